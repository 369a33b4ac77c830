import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";

import EditPage from "./EditPage";
import { installFakeServer, jobJson, renderPage, type Handler } from "./testing";

// Whole flows with typing and polling: slow on a busy machine, not stuck.
vi.setConfig({ testTimeout: 20_000 });

afterEach(() => vi.unstubAllGlobals());

const IMAGE_ID = "33333333-3333-4333-8333-333333333333";
const JOB_ID = "44444444-4444-4444-8444-444444444444";
const RESULT_ID = "55555555-5555-4555-8555-555555555555";

const galleryImage = {
  id: IMAGE_ID, source: "upload", width: 800, height: 600, format: "png", size_bytes: 1000, sha256: "x", prompt: "",
  job_id: null, created_at: "2026-12-01T10:00:00Z", deleted_at: null, is_deleted: false,
  url: `/api/v1/images/${IMAGE_ID}/file`, thumbnail_url: `/api/v1/images/${IMAGE_ID}/thumbnail`,
};

const doneJob = jobJson({
  id: JOB_ID,
  kind: "edit",
  status: "succeeded",
  progress: 100,
  queue_position: null,
  translation: { source_language: "ko", text: "Make the background blue", translated: true, note: "", model: "local" },
  inputs: [{ role: "image", image_id: IMAGE_ID, url: galleryImage.url, thumbnail_url: galleryImage.thumbnail_url }],
  result: { images: [{ id: RESULT_ID, url: `/api/v1/images/${RESULT_ID}/file`, width: 800, height: 600, format: "png" }] },
});

function setup(route: string, extra: Handler = () => undefined) {
  const server = installFakeServer(async (r) => {
    const answer = await extra(r);
    if (answer) return answer;
    if (r.path === `/api/v1/images/${IMAGE_ID}`) return { body: galleryImage };
    if (r.method === "POST" && r.path === "/api/v1/jobs/edit") return { status: 202, body: { ...doneJob, status: "queued", result: null, translation: null } };
    if (r.path === `/api/v1/jobs/${JOB_ID}`) return { body: doneJob };
    return undefined;
  });
  const user = userEvent.setup();
  renderPage(<EditPage />, { route, path: "/create/edit" });
  return { server, user };
}

describe("EditPage", () => {
  it("edits a preselected gallery image from a Korean prompt, shows the prompt the model got and a before/after slider", async () => {
    const { server, user } = setup(`/create/edit?image_id=${IMAGE_ID}`);
    expect(await screen.findByRole("img", { name: "원본 이미지 미리보기" })).toHaveAttribute("src", galleryImage.thumbnail_url);
    expect(screen.getByRole("radio", { name: "갤러리" })).toBeChecked();

    await user.type(screen.getByLabelText("프롬프트"), "배경을 파란색으로 바꿔 주세요");
    await user.click(screen.getByRole("button", { name: "생성하기" }));

    await waitFor(() => expect(server.posts("/api/v1/jobs/edit")).toHaveLength(1));
    const [post] = server.posts("/api/v1/jobs/edit");
    expect(post.body).toEqual({ prompt: "배경을 파란색으로 바꿔 주세요", aspect_ratio: "match_input_image", output_format: "png", image_id: IMAGE_ID });
    expect(post.headers["idempotency-key"]).toBeTruthy();

    expect(await screen.findByText("모델이 받은 프롬프트: Make the background blue")).toBeInTheDocument();
    const slider = screen.getByRole("slider", { name: "편집 전후 경계 위치" });
    expect(slider).toHaveAttribute("aria-valuetext", "편집 후 50% 표시");
    const after = screen.getByRole("img", { name: "편집 후" });
    expect(after).toHaveStyle({ clipPath: "inset(0 0 0 50%)" });
    slider.focus();
    fireEvent.change(slider, { target: { value: "20" } });
    expect(slider).toHaveAttribute("aria-valuetext", "편집 후 80% 표시");
    expect(after).toHaveStyle({ clipPath: "inset(0 0 0 20%)" });
    expect(screen.getByRole("img", { name: "편집 전" })).toHaveAttribute("src", galleryImage.url);
  });

  it("picks an image from the gallery dialog", async () => {
    const { server, user } = setup("/create/edit", (r) =>
      r.path === "/api/v1/images" ? { body: { results: [galleryImage], page: 1, size: 50, has_next: false, next_cursor: null } } : undefined,
    );
    await user.click(screen.getByRole("radio", { name: "갤러리" }));
    await user.click(screen.getByRole("button", { name: "갤러리에서 고르기" }));
    const dialog = await screen.findByRole("dialog", { name: "갤러리에서 이미지 고르기" });
    await user.click(await within(dialog).findByRole("button", { name: /이미지 \(800×600\)/ }));
    expect(server.requests.find((r) => r.path === "/api/v1/images")?.query.get("size")).toBe("50");
    expect(screen.getByRole("button", { name: "다른 이미지 고르기" })).toBeInTheDocument();
  });

  it("refuses a URL that is not http(s) on the field", async () => {
    const { server, user } = setup("/create/edit");
    await user.click(screen.getByRole("radio", { name: "URL" }));
    await user.type(screen.getByLabelText("이미지 URL"), "file:///etc/passwd");
    await user.type(screen.getByLabelText("프롬프트"), "brighter");
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    const field = screen.getByLabelText("이미지 URL");
    await waitFor(() => expect(field).toHaveFocus());
    expect(field).toHaveAccessibleDescription(/http:\/\/ 또는 https:\/\/로 시작하는 주소를 입력하세요/);
    expect(server.posts("/api/v1/jobs/edit")).toHaveLength(0);
  });

  it("opened for a page block, puts the result into that block and goes to the page", async () => {
    const PAGE = "66666666-6666-4666-8666-666666666666";
    const { server, user } = setup(`/create/edit?image_id=${IMAGE_ID}&page=${PAGE}&block=2`, (r) =>
      r.method === "POST" && r.path === `/api/v1/pages/${PAGE}/blocks/2/image` ? { body: { ok: true } } : undefined,
    );
    await screen.findByRole("img", { name: "원본 이미지 미리보기" });
    await user.type(screen.getByLabelText("프롬프트"), "warmer light");
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    await user.click(await screen.findByRole("button", { name: "상세페이지에 적용" }));
    await waitFor(() => expect(screen.getByTestId("probe")).toHaveAttribute("data-path", `/pages/${PAGE}`));
    const [apply] = server.posts(`/api/v1/pages/${PAGE}/blocks/2/image`);
    expect(apply.body).toEqual({ image_id: RESULT_ID });
  });

  it("loads an earlier edit (?from=) and reuses its gallery image by id instead of uploading it again", async () => {
    const EARLIER = "99999999-9999-4999-8999-999999999999";
    const { server, user } = setup(`/create/edit?from=${EARLIER}`, (r) =>
      r.path === `/api/v1/jobs/${EARLIER}`
        ? { body: { ...doneJob, id: EARLIER, params: { prompt: "하늘을 노을로", aspect_ratio: "1:1", output_format: "jpg", seed: 7 } } }
        : undefined,
    );
    expect(await screen.findByText("이전 작업의 설정을 불러왔습니다.")).toBeInTheDocument();
    expect(screen.getByRole("radio", { name: "갤러리" })).toBeChecked();
    expect(screen.getByLabelText("프롬프트")).toHaveValue("하늘을 노을로");
    await user.click(screen.getByRole("button", { name: "생성하기" }));
    await waitFor(() => expect(server.posts("/api/v1/jobs/edit")).toHaveLength(1));
    expect(server.posts("/api/v1/jobs/edit")[0].body).toEqual({ prompt: "하늘을 노을로", aspect_ratio: "1:1", output_format: "jpg", seed: 7, image_id: IMAGE_ID });
    // The input was not downloaded: its id is enough.
    expect(server.requests.some((r) => r.path === galleryImage.url)).toBe(false);
  });
});
