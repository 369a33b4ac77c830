import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { useLiveEvents } from "../../api/events";
import { FakeEventSource } from "../../api/fakeEventSource";
import type { GalleryImage } from "../../api/types";
import { ImageCodecContext, type ImageCodec } from "../../lib/imageFile";
import GalleryPage from "./GalleryPage";
import {
  CONFIG, fakeServer, fakeUploads, makeImage, makeImages, page, pngFile, renderPage, usage, type Call, type Reply,
} from "./testing";

type Bulk = { changed: string[]; unchanged: string[]; not_found: string[] };

function galleryServer(images: GalleryImage[], options: {
  hasNext?: boolean;
  onDelete?: (ids: string[]) => Bulk;
  extra?: (call: Call) => Reply | undefined;
} = {}) {
  const trashed = new Set<string>();
  const server = fakeServer((call) => {
    if (call.path === "/api/v1/config") return { body: CONFIG };
    if (call.path === "/api/v1/images/usage") return { body: usage({ images: { active: images.length, trash: trashed.size } }) };
    if (call.method === "GET" && call.path === "/api/v1/images") {
      const visible = images.filter((image) => !trashed.has(image.id));
      return { body: page(visible, options.hasNext ? "next-cursor" : null) };
    }
    if (call.method === "POST" && call.path === "/api/v1/images/delete") {
      const ids = (call.body as { ids: string[] }).ids;
      const result = options.onDelete?.(ids) ?? { changed: ids, unchanged: [], not_found: [] };
      [...result.changed, ...result.unchanged].forEach((id) => trashed.add(id));
      return { body: result };
    }
    if (call.method === "POST" && call.path === "/api/v1/images/restore") {
      const ids = (call.body as { ids: string[] }).ids;
      ids.forEach((id) => trashed.delete(id));
      return { body: { changed: ids, unchanged: [], not_found: [] } };
    }
    return options.extra?.(call);
  });
  return { ...server, trashed };
}

function renderGallery(route = "/gallery", language: "ko" | "en" = "ko") {
  return renderPage(<GalleryPage />, { route, path: "/gallery", language });
}

const checkboxes = () => screen.getAllByRole("checkbox", { name: /^선택:/ });
const checked = () => checkboxes().map((box) => (box as HTMLInputElement).checked);
const bar = () => screen.getByRole("region", { name: "선택한 이미지" });

describe("the gallery", () => {
  afterEach(() => vi.unstubAllGlobals());

  test("asks for one page only while the user has not scrolled near its end", async () => {
    const server = galleryServer(makeImages(60), { hasNext: true });
    renderGallery();
    await screen.findByRole("list", { name: "갤러리 이미지" });
    const lists = server.requests("GET", "/api/v1/images");
    expect(lists).toHaveLength(1);
    expect(lists[0].query.get("state")).toBe("active");
    expect(lists[0].query.get("cursor")).toBeNull();
    // Only the rows on screen have thumbnails in the DOM.
    expect(document.querySelectorAll("img").length).toBeLessThan(60);
  });

  test("filters come from the URL and go to the API", async () => {
    const server = galleryServer(makeImages(2));
    renderGallery("/gallery?source=goods&from_date=2026-11-01&to_date=2026-11-30");
    await screen.findByRole("list", { name: "갤러리 이미지" });
    const query = server.requests("GET", "/api/v1/images")[0].query;
    expect(query.get("source")).toBe("goods");
    expect(query.get("from_date")).toBe("2026-11-01");
    expect(query.get("to_date")).toBe("2026-11-30");
    expect(screen.getByLabelText("출처")).toHaveValue("goods");

    fireEvent.change(screen.getByLabelText("출처"), { target: { value: "upload" } });
    await waitFor(() => expect(screen.getByTestId("location").textContent).toContain("source=upload"));
    await waitFor(() => expect(server.requests("GET", "/api/v1/images").at(-1)!.query.get("source")).toBe("upload"));
  });

  test("checkboxes, Shift+click ranges and Escape drive the selection bar", async () => {
    galleryServer(makeImages(6));
    renderGallery();
    await screen.findByRole("list", { name: "갤러리 이미지" });
    const boxes = checkboxes();
    fireEvent.click(boxes[1]);
    fireEvent.click(boxes[4], { shiftKey: true });
    expect(within(bar()).getByText("4개 선택됨")).toBeInTheDocument();
    expect(checkboxes().map((box) => (box as HTMLInputElement).checked)).toEqual([false, true, true, true, true, false]);

    // While selecting, a mouse click on an image adds it instead of opening it ...
    fireEvent.click(screen.getAllByRole("button", { name: /^PPL 이미지/ })[0], { detail: 1 });
    expect(within(bar()).getByText("5개 선택됨")).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    // ... while Enter or Space on it (a click without a pointer) still opens it.
    fireEvent.click(screen.getAllByRole("button", { name: /^PPL 이미지/ })[5], { detail: 0 });
    expect(await screen.findByRole("dialog")).toBeInTheDocument();
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "닫기" }));
    expect(within(bar()).getByText("5개 선택됨")).toBeInTheDocument();

    fireEvent.keyDown(document.body, { key: "Escape" });
    expect(screen.queryByRole("region", { name: "선택한 이미지" })).not.toBeInTheDocument();
  });

  test("Ctrl+A selects every loaded image", async () => {
    galleryServer(makeImages(30));
    renderGallery();
    await screen.findByRole("list", { name: "갤러리 이미지" });
    fireEvent.keyDown(document.body, { key: "a", ctrlKey: true });
    expect(within(bar()).getByText("30개 선택됨")).toBeInTheDocument();
  });

  test("moving to the trash shows the server's counts and undo restores the same images", async () => {
    const images = makeImages(13);
    const alreadyTrashed = images[12].id;
    const server = galleryServer(images, {
      onDelete: (ids) => ({ changed: ids.filter((id) => id !== alreadyTrashed), unchanged: [alreadyTrashed], not_found: [] }),
    });
    renderGallery();
    await screen.findByRole("list", { name: "갤러리 이미지" });
    fireEvent.keyDown(document.body, { key: "a", metaKey: true });
    fireEvent.click(screen.getByRole("button", { name: "휴지통으로 이동" }));

    const toast = await screen.findByText("12개를 휴지통으로 옮겼습니다 (이미 휴지통: 1)");
    const deletes = server.requests("POST", "/api/v1/images/delete");
    expect(deletes).toHaveLength(1);
    expect((deletes[0].body as { ids: string[] }).ids).toEqual(images.map((image) => image.id));
    // They leave the grid at once and the selection is gone.
    await waitFor(() => expect(screen.queryByRole("list", { name: "갤러리 이미지" })).not.toBeInTheDocument());
    expect(screen.queryByText(/개 선택됨/)).not.toBeInTheDocument();
    // Focus does not fall to the document with the selection bar.
    expect(screen.getByRole("heading", { name: "갤러리" })).toHaveFocus();

    fireEvent.click(within(toast.parentElement!).getByRole("button", { name: "실행 취소" }));
    await screen.findByText("12개를 복원했습니다");
    const restores = server.requests("POST", "/api/v1/images/restore");
    expect(restores).toHaveLength(1);
    expect((restores[0].body as { ids: string[] }).ids).toEqual(images.slice(0, 12).map((image) => image.id));
    // The gallery is fetched again and shows them.
    await waitFor(() => expect(checkboxes()).toHaveLength(12));
  });

  test("a trash's late live event after its undo leaves the tiles and the selection; a later trash still takes them", async () => {
    FakeEventSource.instances = [];
    vi.stubGlobal("EventSource", FakeEventSource);
    const images = makeImages(3);
    const [first, second] = images.map((image) => image.id);
    const server = galleryServer(images);
    function LiveGallery() {
      useLiveEvents();
      return <GalleryPage />;
    }
    renderPage(<LiveGallery />, { route: "/gallery", path: "/gallery" });
    await screen.findByRole("list", { name: "갤러리 이미지" });
    const stream = FakeEventSource.latest();
    stream.open();

    fireEvent.click(checkboxes()[0]);
    fireEvent.click(checkboxes()[1]);
    fireEvent.click(screen.getByRole("button", { name: "휴지통으로 이동" }));
    const toast = await screen.findByText("2개를 휴지통으로 옮겼습니다");
    await waitFor(() => expect(checkboxes()).toHaveLength(1));
    fireEvent.click(within(toast.parentElement!).getByRole("button", { name: "실행 취소" }));
    await screen.findByText("2개를 복원했습니다");
    await waitFor(() => expect(checkboxes()).toHaveLength(3));
    fireEvent.click(checkboxes()[0]);
    fireEvent.click(checkboxes()[1]);
    expect(within(bar()).getByText("2개 선택됨")).toBeInTheDocument();

    // The stream lags behind the answers: the trash's own event comes only now, then the undo's.
    stream.send("image.trashed", { ids: [first, second] }, 41);
    expect(checked()).toEqual([true, true, false]);
    expect(within(bar()).getByText("2개 선택됨")).toBeInTheDocument();
    const lists = server.requests("GET", "/api/v1/images").length;
    stream.send("image.restored", { ids: [first, second] }, 42);
    await waitFor(() => expect(server.requests("GET", "/api/v1/images").length).toBeGreaterThan(lists));
    expect(checked()).toEqual([true, true, false]);
    expect(within(bar()).getByText("2개 선택됨")).toBeInTheDocument();

    // A trash made after that (in another tab) is news: the tile goes, and leaves the selection.
    server.trashed.add(first);
    stream.send("image.trashed", { ids: [first] }, 43);
    await waitFor(() => expect(checkboxes()).toHaveLength(2));
    expect(within(bar()).getByText("1개 선택됨")).toBeInTheDocument();
    expect(checked()).toEqual([true, false]);
  });

  test("more than 100 selected asks first, then moves them in batches of 500", async () => {
    const images = makeImages(600);
    const server = galleryServer(images);
    renderGallery();
    await screen.findByRole("list", { name: "갤러리 이미지" });
    fireEvent.keyDown(document.body, { key: "a", ctrlKey: true });
    fireEvent.click(screen.getByRole("button", { name: "휴지통으로 이동" }));

    const dialog = await screen.findByRole("dialog", { name: "이미지 600개를 휴지통으로 옮길까요?" });
    expect(within(dialog).getByText(/30일 동안 복원할 수 있고/)).toBeInTheDocument();
    expect(server.requests("POST", "/api/v1/images/delete")).toHaveLength(0);

    fireEvent.click(within(dialog).getByRole("button", { name: "휴지통으로 이동" }));
    await screen.findByText("600개를 휴지통으로 옮겼습니다");
    const sizes = server.requests("POST", "/api/v1/images/delete").map((call) => (call.body as { ids: string[] }).ids.length);
    expect(sizes).toEqual([500, 100]);
  });

  test("100 or fewer move without a question", async () => {
    const server = galleryServer(makeImages(100));
    renderGallery();
    await screen.findByRole("list", { name: "갤러리 이미지" });
    fireEvent.keyDown(document.body, { key: "a", ctrlKey: true });
    fireEvent.click(screen.getByRole("button", { name: "휴지통으로 이동" }));
    await screen.findByText("100개를 휴지통으로 옮겼습니다");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(server.requests("POST", "/api/v1/images/delete")).toHaveLength(1);
  });

  test("the lightbox shows an image's facts and steps with the arrow keys", async () => {
    const images = makeImages(3);
    images[0] = { ...images[0], prompt: "나무 테이블 위의 병", job_id: "11111111-1111-4111-8111-111111111111", size_bytes: 2 * 1024 * 1024 };
    galleryServer(images);
    renderGallery();
    await screen.findByRole("list", { name: "갤러리 이미지" });
    fireEvent.click(screen.getAllByRole("button", { name: /^PPL 이미지/ })[0]);

    const dialog = await screen.findByRole("dialog");
    expect(within(dialog).getByText("나무 테이블 위의 병")).toBeInTheDocument();
    expect(within(dialog).getByText("1,024 × 768 px")).toBeInTheDocument();
    expect(within(dialog).getByText("2 MB")).toBeInTheDocument();
    expect(within(dialog).getByRole("link", { name: "이 이미지를 만든 작업 보기" }))
      .toHaveAttribute("href", "/jobs/11111111-1111-4111-8111-111111111111");
    expect(within(dialog).getByRole("link", { name: "다운로드" })).toHaveAttribute("href", `${images[0].url}?download=1`);
    expect(within(dialog).getByRole("link", { name: "편집" })).toHaveAttribute("href", `/create/edit?image_id=${images[0].id}`);
    expect(within(dialog).getByText("1 / 3")).toBeInTheDocument();

    fireEvent.keyDown(document.body, { key: "ArrowRight" });
    expect(within(dialog).getByText("2 / 3")).toBeInTheDocument();
    expect(within(dialog).getByRole("img")).toHaveAttribute("src", images[1].url);
    fireEvent.keyDown(document.body, { key: "ArrowLeft" });
    expect(within(dialog).getByText("1 / 3")).toBeInTheDocument();
  });

  test("deleting from the lightbox moves that image to the trash and shows the next", async () => {
    const images = makeImages(2);
    const server = galleryServer(images);
    renderGallery();
    await screen.findByRole("list", { name: "갤러리 이미지" });
    fireEvent.click(screen.getAllByRole("button", { name: /^PPL 이미지/ })[0]);
    const dialog = await screen.findByRole("dialog");
    fireEvent.click(within(dialog).getByRole("button", { name: "삭제" }));
    await screen.findByText("1개를 휴지통으로 옮겼습니다");
    expect((server.requests("POST", "/api/v1/images/delete")[0].body as { ids: string[] }).ids).toEqual([images[0].id]);
    expect(within(screen.getByRole("dialog")).getByRole("img")).toHaveAttribute("src", images[1].url);
  });

  test("an empty gallery offers an upload and a PPL image", async () => {
    galleryServer([]);
    renderGallery();
    expect(await screen.findByRole("heading", { name: "아직 이미지가 없습니다" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "PPL 이미지 만들기" })).toHaveAttribute("href", "/create/ppl");
    expect(screen.getByRole("group", { name: /이미지를 여기에 끌어 놓거나/ })).toBeInTheDocument();
  });

  test("an empty filtered gallery offers to clear the filters", async () => {
    galleryServer([]);
    renderGallery("/gallery?source=edit");
    await screen.findByRole("heading", { name: "조건에 맞는 이미지가 없습니다" });
    fireEvent.click(screen.getAllByRole("button", { name: "필터 지우기" })[0]);
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/gallery"));
  });

  test("URL import sends the address and shows the server's field error", async () => {
    const server = galleryServer(makeImages(1), {
      extra: (call) => call.path === "/api/v1/images/import"
        ? { status: 400, body: { code: "invalid", message: "invalid", fields: { url: ["이 주소에서 이미지를 가져올 수 없습니다."] } } }
        : undefined,
    });
    const user = userEvent.setup();
    renderGallery();
    await screen.findByRole("list", { name: "갤러리 이미지" });
    await user.click(screen.getByRole("button", { name: "URL로 가져오기" }));
    const dialog = await screen.findByRole("dialog", { name: "URL에서 이미지 가져오기" });
    await user.type(within(dialog).getByLabelText("이미지 URL"), "https://example.com/a.png");
    await user.click(within(dialog).getByRole("button", { name: "가져오기" }));
    expect(await within(dialog).findByText("이 주소에서 이미지를 가져올 수 없습니다.")).toBeInTheDocument();
    expect(within(dialog).getByLabelText("이미지 URL")).toHaveAttribute("aria-invalid", "true");
    expect(server.requests("POST", "/api/v1/images/import")[0].body).toEqual({ url: "https://example.com/a.png" });
  });

  test("uploads check each file, show progress, and a full storage opens the quota dialog", async () => {
    const server = galleryServer(makeImages(1));
    const uploads = fakeUploads((_path, form) => (form.get("image") as File).name === "first.png"
      ? { status: 201, body: makeImage({ source: "upload" }) }
      : { status: 409, body: { code: "storage_quota_exceeded", message: "full", used_bytes: 1000, quota_bytes: 1000 } });
    const codec: ImageCodec = {
      decode: async () => ({ width: 800, height: 600, hasAlpha: () => false, encode: async () => new Blob() }),
    };
    renderPage(<ImageCodecContext.Provider value={codec}><GalleryPage /></ImageCodecContext.Provider>, { route: "/gallery", path: "/gallery" });
    await screen.findByRole("list", { name: "갤러리 이미지" });
    await waitFor(() => expect(screen.getByRole("button", { name: "이미지 올리기" })).toBeEnabled());

    const notAnImage = new File(["hello"], "notes.txt", { type: "text/plain" });
    fireEvent.change(screen.getByTestId("gallery-file-input"), { target: { files: [pngFile("first.png"), notAnImage, pngFile("second.png")] } });

    expect(await screen.findByText("1개를 갤러리에 올렸습니다")).toBeInTheDocument();
    expect(await screen.findByRole("dialog", { name: "저장 공간이 부족합니다" })).toBeInTheDocument();
    expect(screen.getByText("PNG, JPEG, WebP 이미지만 쓸 수 있습니다.")).toBeInTheDocument();
    expect(screen.getByRole("progressbar", { name: "first.png 업로드" })).toHaveAttribute("aria-valuenow", "100");
    // The text file never left the browser; the two PNGs went to the upload endpoint.
    expect(uploads.sent.map((upload) => (upload.form.get("image") as File).name)).toEqual(["first.png", "second.png"]);
    expect(uploads.sent[0].path).toBe("/api/v1/images/upload");
    // The grid is refreshed with the new image.
    await waitFor(() => expect(server.requests("GET", "/api/v1/images").length).toBeGreaterThan(1));
  });

  test("files dropped anywhere on the page are uploaded", async () => {
    galleryServer(makeImages(2));
    const uploads = fakeUploads(() => ({ status: 201, body: makeImage({ source: "upload" }) }));
    const codec: ImageCodec = {
      decode: async () => ({ width: 800, height: 600, hasAlpha: () => false, encode: async () => new Blob() }),
    };
    renderPage(<ImageCodecContext.Provider value={codec}><GalleryPage /></ImageCodecContext.Provider>, { route: "/gallery", path: "/gallery" });
    const grid = await screen.findByRole("list", { name: "갤러리 이미지" });
    await waitFor(() => expect(screen.getByRole("button", { name: "이미지 올리기" })).toBeEnabled());

    const dataTransfer = { types: ["Files"], files: [pngFile("dropped.png")], dropEffect: "none" };
    fireEvent.dragEnter(grid, { dataTransfer });
    expect(screen.getByText("놓으면 갤러리에 올립니다")).toBeInTheDocument();
    fireEvent.drop(grid, { dataTransfer });
    expect(screen.queryByText("놓으면 갤러리에 올립니다")).not.toBeInTheDocument();
    expect(await screen.findByText("1개를 갤러리에 올렸습니다")).toBeInTheDocument();
    expect(uploads.sent.map((upload) => (upload.form.get("image") as File).name)).toEqual(["dropped.png"]);
  });

  test("the page speaks English too", async () => {
    galleryServer(makeImages(2));
    renderGallery("/gallery", "en");
    expect(await screen.findByRole("heading", { name: "Gallery" })).toBeInTheDocument();
    expect(await screen.findByRole("list", { name: "Gallery images" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Upload images" })).toBeInTheDocument();
  });
});
