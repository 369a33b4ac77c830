import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { installFakeServer, renderWithApp } from "../../shell/testing";
import PageViewPage, { htmlFileName } from "./PageViewPage";

const PAGE_ID = "cccccccc-0000-4000-8000-000000000001";
const HTML = `<!doctype html><html><body><h1>보틀</h1><img src="data:image/png;base64,AAAA" alt=""><script>parent.document.title="owned"</script></body></html>`;

const page = {
  id: PAGE_ID,
  title: "스테인리스 보틀 500ml",
  language: "ko",
  html_url: `http://app.test/api/v1/pages/${PAGE_ID}/html`,
  created_at: "2026-12-02T04:10:00Z",
  blocks: [
    { position: 0, template_id: 4, template_name: "Hero banner", block_type: "hero", template_revision: 3, model: "local-writer", seconds: 1.234, image_id: "img-hero", content: {} },
    { position: 1, template_id: 9, template_name: "Spec table", block_type: "spec", template_revision: 1, model: "local-writer", seconds: 0.5, image_id: null, content: {} },
  ],
};

function serve() {
  return installFakeServer((request) => {
    if (request.path === `/api/v1/pages/${PAGE_ID}`) return { body: page };
    if (request.path === `/api/v1/pages/${PAGE_ID}/html`) return { body: HTML };
    return undefined;
  });
}

function readText(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result));
    reader.onerror = () => reject(reader.error);
    reader.readAsText(blob);
  });
}

function open() {
  return renderWithApp(<PageViewPage />, { route: `/pages/${PAGE_ID}`, path: "/pages/:id" });
}

beforeEach(() => vi.unstubAllGlobals());

describe("the product-page view", () => {
  it("shows the page in a sandboxed frame: srcdoc, sandbox=\"\", no scripts, no same origin", async () => {
    const requests = serve();
    open();
    const frame = await screen.findByTitle("스테인리스 보틀 500ml 미리보기");
    expect(frame.tagName).toBe("IFRAME");
    expect(frame).toHaveAttribute("sandbox", "");
    expect(frame.getAttribute("sandbox")).not.toMatch(/allow-scripts|allow-same-origin/);
    expect(frame).toHaveAttribute("srcdoc", HTML);
    expect(frame).not.toHaveAttribute("src");
    // The page's HTML never lands in the app's own DOM.
    expect(document.querySelectorAll("script")).toHaveLength(0);
    expect(screen.queryByRole("heading", { name: "보틀" })).not.toBeInTheDocument();
    const htmlRequest = requests.find((r) => r.path.endsWith("/html"))!;
    expect(htmlRequest.query.get("inline_images")).toBe("1");
  });

  it("switches the preview between desktop and phone widths", async () => {
    serve();
    open();
    const frame = await screen.findByTitle("스테인리스 보틀 500ml 미리보기");
    expect(frame.style.width).toBe("1024px");
    const phone = screen.getByRole("button", { name: "휴대폰 (390px)" });
    await userEvent.click(phone);
    expect(phone).toHaveAttribute("aria-pressed", "true");
    expect(screen.getByTitle("스테인리스 보틀 500ml 미리보기").style.width).toBe("390px");
  });

  it("lists each block with its provenance and a way to edit its image", async () => {
    serve();
    open();
    const blocks = await screen.findByRole("heading", { name: "블록 (2)" });
    const list = blocks.parentElement!.querySelector("ol")!;
    const [hero, spec] = within(list).getAllByRole("listitem");
    expect(within(hero).getByText("Hero banner")).toBeInTheDocument();
    expect(within(hero).getByText("3")).toBeInTheDocument();
    expect(within(hero).getByText("local-writer")).toBeInTheDocument();
    expect(within(hero).getByText("1.2초")).toBeInTheDocument();
    expect(within(hero).getByRole("link", { name: "블록 1 이미지 편집" })).toHaveAttribute(
      "href", `/create/edit?image_id=img-hero&page=${PAGE_ID}&block=0`);
    expect(within(spec).getByText("이미지 없음")).toBeInTheDocument();
    expect(within(spec).queryByRole("link")).not.toBeInTheDocument();
  });

  it("downloads the self-contained HTML named after the title", async () => {
    serve();
    const created: Blob[] = [];
    // jsdom has no object URLs: record the Blob the page hands over instead.
    const original = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };
    URL.createObjectURL = (blob: Blob) => {
      created.push(blob);
      return "blob:page";
    };
    URL.revokeObjectURL = () => undefined;
    const clicked: HTMLAnchorElement[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    open();
    await screen.findByTitle("스테인리스 보틀 500ml 미리보기");
    await userEvent.click(screen.getByRole("button", { name: "HTML 다운로드" }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0].download).toBe("스테인리스-보틀-500ml.html");
    expect(created[0].type).toBe("text/html;charset=utf-8");
    expect(await readText(created[0])).toBe(HTML);
    click.mockRestore();
    URL.createObjectURL = original.create;
    URL.revokeObjectURL = original.revoke;
  });

  it("answers an unknown page with a not-found screen", async () => {
    installFakeServer();
    open();
    expect(await screen.findByRole("heading", { level: 1, name: "상세페이지를 찾을 수 없습니다" })).toBeInTheDocument();
  });
});

describe("htmlFileName", () => {
  it("keeps letters of any script and digits, and never comes back empty", () => {
    expect(htmlFileName("Bottle / 500 ml?")).toBe("Bottle-500-ml.html");
    expect(htmlFileName("///")).toBe("page.html");
  });
});
