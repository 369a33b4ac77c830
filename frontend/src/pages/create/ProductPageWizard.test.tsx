import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import ProductPageWizard from "./ProductPageWizard";
import { installFakeServer, jobJson, renderPage } from "./testing";

// Whole flows with typing and polling: slow on a busy machine, not stuck.
vi.setConfig({ testTimeout: 20_000 });

afterEach(() => vi.unstubAllGlobals());

const JOB_ID = "77777777-7777-4777-8777-777777777777";
const PAGE_ID = "88888888-8888-4888-8888-888888888888";
const envelope = (results: unknown[]) => ({ body: { results, page: 1, size: 100, has_next: false, next_cursor: null } });
const PREVIEW = `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"><h1>미리보기</h1>`;
const category = { id: 5, slug: "food", name: "식품", description: "", created_at: "2026-01-01T00:00:00Z" };
const template = (id: number, name: string, block_type: string) => ({
  id, category: { id: 5, slug: "food", name: "식품" }, name, block_type, description: "", slots: {}, thumbnail_url: "",
  usage_count: 0, metadata: {}, is_active: true, revision: 1, created_at: "", updated_at: "", preview_url: "",
});
const sets = [
  { id: 20, name: "간단 세트", category: { id: 5, slug: "food", name: "식품" }, description: "", is_default: false, created_at: "", updated_at: "", items: [{ position: 0, template: { id: 1, name: "소개" } }] },
  { id: 21, name: "기본 세트", category: { id: 5, slug: "food", name: "식품" }, description: "", is_default: true, created_at: "", updated_at: "", items: [{ position: 0, template: { id: 1, name: "소개" } }, { position: 1, template: { id: 2, name: "특징" } }] },
];

function setup() {
  let jobPolls = 0;
  const server = installFakeServer((r) => {
    if (r.path === "/api/v1/categories") return envelope([category]);
    if (r.path === "/api/v1/template-sets") return envelope(r.query.get("category") === "5" ? sets : []);
    if (r.path === "/api/v1/categories/5/templates") return envelope([template(1, "소개", "Introduction"), template(2, "특징", "KeyFeatures"), template(3, "사양", "Specs")]);
    if (r.path === "/api/v1/template-sets/21/preview") return { body: PREVIEW };
    if (r.method === "POST" && r.path === "/api/v1/jobs/product-page") return { status: 202, body: jobJson({ id: JOB_ID, kind: "page" }) };
    if (r.path === `/api/v1/jobs/${JOB_ID}`) {
      jobPolls += 1;
      return { body: jobJson({ id: JOB_ID, kind: "page", status: "succeeded", progress: 100, result: { images: [], page: { id: PAGE_ID, html_url: "", blocks: [] } } }) };
    }
    return undefined;
  });
  const user = userEvent.setup();
  renderPage(<ProductPageWizard />, { route: "/create/page", path: "/create/page" });
  return { server, user, polls: () => jobPolls };
}

async function throughCategory(user: ReturnType<typeof userEvent.setup>) {
  await user.type(screen.getByLabelText("제품 정보"), "유기농 녹차 100g, 제주산");
  await user.click(screen.getByRole("button", { name: "다음" }));
  await user.click(await screen.findByRole("radio", { name: /식품/ }));
  await user.click(screen.getByRole("button", { name: "다음" }));
}

describe("ProductPageWizard", () => {
  it("will not leave the first step without product information", async () => {
    const { user } = setup();
    expect(screen.getByRole("navigation", { name: "단계" })).toHaveTextContent("1제품 정보");
    await user.click(screen.getByRole("button", { name: "다음" }));
    const info = screen.getByLabelText("제품 정보");
    expect(info).toHaveFocus();
    expect(info).toHaveAccessibleDescription(/제품 정보를 입력하세요/);
  });

  it("marks the default set, chooses it, previews it in a sandboxed frame and creates the page", async () => {
    const { server, user } = setup();
    await throughCategory(user);
    const defaultSet = await screen.findByRole("radio", { name: /기본 세트/ });
    await waitFor(() => expect(defaultSet).toBeChecked());
    expect(defaultSet.closest("label")).toHaveTextContent("기본");

    const previewButtons = screen.getAllByRole("button", { name: "미리보기" });
    await user.click(previewButtons[1]);
    const frame = await screen.findByTitle("기본 세트 미리보기");
    expect(frame).toHaveAttribute("sandbox", "");
    await waitFor(() => expect(frame.getAttribute("srcdoc")).toContain("<h1>미리보기</h1>"));
    expect(frame.getAttribute("srcdoc")).toContain(`img-src 'self' ${window.location.origin};`);

    await user.click(screen.getByRole("button", { name: "다음" }));
    await user.click(screen.getByRole("switch", { name: "블록 이미지 생성" }));
    await user.selectOptions(screen.getByLabelText("페이지 언어"), "en");
    await user.click(screen.getByRole("button", { name: "상세페이지 만들기" }));

    await waitFor(() => expect(screen.getByTestId("probe")).toHaveAttribute("data-path", `/pages/${PAGE_ID}`));
    const [post] = server.posts("/api/v1/jobs/product-page");
    expect(post.body).toEqual({ product_info: "유기농 녹차 100g, 제주산", category_id: 5, template_set_id: 21, with_images: true, language: "en" });
    expect(post.headers["idempotency-key"]).toBeTruthy();
  });

  it("reorders an own list of templates by keyboard and announces the new position", async () => {
    const { server, user } = setup();
    await throughCategory(user);
    await user.click(await screen.findByRole("radio", { name: "직접 고르고 순서 정하기" }));
    await user.click(await screen.findByRole("button", { name: "추가: 소개" }));
    await user.click(screen.getByRole("button", { name: "추가: 특징" }));
    await user.click(screen.getByRole("button", { name: "추가: 사양" }));

    const list = screen.getByRole("list", { name: "페이지 순서" });
    const names = () => within(list).getAllByRole("listitem").map((item) => item.getAttribute("aria-label"));
    expect(names()).toEqual(["1. 소개", "2. 특징", "3. 사양"]);

    within(list).getByRole("listitem", { name: "3. 사양" }).focus();
    await user.keyboard("{Alt>}{ArrowUp}{/Alt}");
    expect(names()).toEqual(["1. 소개", "2. 사양", "3. 특징"]);
    expect(within(list).getByRole("listitem", { name: "2. 사양" })).toHaveFocus();
    expect(screen.getByTestId("order-announcement")).toHaveTextContent("사양: 3개 중 2번째로 옮겼습니다.");
    await user.keyboard("{Alt>}{ArrowUp}{/Alt}");
    expect(names()).toEqual(["1. 사양", "2. 소개", "3. 특징"]);
    // An arrow without Alt leaves the order alone; the buttons work as well.
    await user.keyboard("{ArrowDown}");
    expect(names()).toEqual(["1. 사양", "2. 소개", "3. 특징"]);
    await user.click(screen.getByRole("button", { name: "특징 위로 옮기기" }));
    expect(names()).toEqual(["1. 사양", "2. 특징", "3. 소개"]);

    await user.click(screen.getByRole("button", { name: "다음" }));
    await user.click(screen.getByRole("button", { name: "상세페이지 만들기" }));
    await waitFor(() => expect(server.posts("/api/v1/jobs/product-page")).toHaveLength(1));
    expect(server.posts("/api/v1/jobs/product-page")[0].body).toMatchObject({ template_ids: [3, 2, 1], category_id: 5, with_images: false });
  });
});
