import { fireEvent, screen, waitFor, within } from "@testing-library/react";

import type { GalleryImage } from "../../api/types";
import TrashPage from "./TrashPage";
import { CONFIG, fakeServer, makeImage, page, renderPage, usage } from "./testing";

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY - 60_000).toISOString();

function trashed(days: number, sizeBytes = 3 * 1024 * 1024): GalleryImage {
  return makeImage({ deleted_at: daysAgo(days), is_deleted: true, size_bytes: sizeBytes });
}

function trashServer(images: GalleryImage[], { total = images.length, hasNext = false, purge }: {
  total?: number;
  hasNext?: boolean;
  purge?: (ids: string[] | undefined) => unknown;
} = {}) {
  let remaining = [...images];
  return fakeServer((call) => {
    if (call.path === "/api/v1/config") return { body: CONFIG };
    if (call.path === "/api/v1/images/usage") {
      return { body: usage({ images: { active: 10, trash: remaining.length ? total : 0 }, trash_retention_days: 30 }) };
    }
    if (call.method === "GET" && call.path === "/api/v1/images") {
      return { body: page(remaining, hasNext && remaining.length ? "more" : null) };
    }
    if (call.method === "POST" && call.path === "/api/v1/images/trash/empty") {
      const ids = (call.body as { ids?: string[] }).ids;
      const gone = ids ? remaining.filter((image) => ids.includes(image.id)) : remaining;
      remaining = ids ? remaining.filter((image) => !ids.includes(image.id)) : [];
      return {
        body: purge?.(ids) ?? {
          dry_run: false, images: gone.length, bytes: gone.reduce((sum, image) => sum + image.size_bytes, 0),
          files_deleted: gone.length * 2, verified: true, files_remaining: [], complete: true, message: "Purged.",
        },
      };
    }
    if (call.method === "POST" && call.path === "/api/v1/images/restore") {
      const ids = (call.body as { ids: string[] }).ids;
      remaining = remaining.filter((image) => !ids.includes(image.id));
      return { body: { changed: ids, unchanged: [], not_found: [] } };
    }
    return undefined;
  });
}

const renderTrash = (language: "ko" | "en" = "ko") => renderPage(<TrashPage />, { route: "/trash", path: "/trash", language });

describe("the trash", () => {
  afterEach(() => vi.unstubAllGlobals());

  test("asks the API for the trash and shows the days left on each image", async () => {
    const server = trashServer([trashed(0), trashed(27), trashed(29), trashed(31)]);
    renderTrash();
    await screen.findByRole("list", { name: "휴지통의 이미지" });
    expect(server.requests("GET", "/api/v1/images")[0].query.get("state")).toBe("trash");
    await screen.findByText("30일 후 삭제");
    expect(screen.getByText("3일 후 삭제")).toBeInTheDocument();
    expect(screen.getByText("1일 후 삭제")).toBeInTheDocument();
    expect(screen.getByText("곧 삭제")).toBeInTheDocument();
    expect(screen.getByText(/30일 뒤 자동으로 영구 삭제됩니다/)).toBeInTheDocument();
  });

  test("emptying the trash confirms with the count and the megabytes, then shows the server's answer", async () => {
    const server = trashServer([trashed(1), trashed(2), trashed(3)]); // 3 × 3 MB
    renderTrash();
    await screen.findByRole("list", { name: "휴지통의 이미지" });
    await screen.findByText(/30일 뒤/); // usage loaded
    fireEvent.click(screen.getByRole("button", { name: "휴지통 비우기" }));

    const dialog = await screen.findByRole("dialog", { name: "휴지통을 비울까요?" });
    expect(within(dialog).getByText("휴지통의 이미지 3개(9.0 MB)를 모두 영구 삭제합니다. 되돌릴 수 없습니다.")).toBeInTheDocument();
    expect(server.requests("POST", "/api/v1/images/trash/empty")).toHaveLength(0);

    fireEvent.click(within(dialog).getByRole("button", { name: "휴지통 비우기" }));
    expect(await screen.findByText("이미지 3개(9.0 MB)를 영구 삭제했습니다.")).toBeInTheDocument();
    expect(screen.getByText("저장소에서 파일이 모두 지워진 것을 확인했습니다.")).toBeInTheDocument();
    expect(server.requests("POST", "/api/v1/images/trash/empty")[0].body).toEqual({});
    expect(await screen.findByRole("heading", { name: "휴지통이 비어 있습니다" })).toBeInTheDocument();
  });

  test("with more pages than loaded, the confirmation counts the whole trash and says the size is a minimum", async () => {
    // A first page of 60 fills more than the screen, so no second page is asked for yet.
    const server = trashServer(Array.from({ length: 60 }, () => trashed(1, 1024 * 1024)), { total: 250, hasNext: true });
    renderTrash();
    await screen.findByRole("list", { name: "휴지통의 이미지" });
    await screen.findByText(/30일 뒤/);
    fireEvent.click(screen.getByRole("button", { name: "휴지통 비우기" }));
    const dialog = await screen.findByRole("dialog", { name: "휴지통을 비울까요?" });
    expect(within(dialog).getByText(/이미지 250개\(60\.0 MB 이상\)/)).toBeInTheDocument();
    expect(within(dialog).getByText("용량은 지금까지 불러온 60개의 합계입니다.")).toBeInTheDocument();
    expect(server.requests("GET", "/api/v1/images")).toHaveLength(1);
  });

  test("a purge that could not delete every file says so", async () => {
    trashServer([trashed(1)], {
      purge: () => ({
        dry_run: false, images: 1, bytes: 1024 * 1024, files_deleted: 1, verified: false,
        files_remaining: ["images/a.png"], complete: true, message: "…",
      }),
    });
    renderTrash();
    await screen.findByRole("list", { name: "휴지통의 이미지" });
    fireEvent.click(screen.getByRole("button", { name: "휴지통 비우기" }));
    fireEvent.click(within(await screen.findByRole("dialog")).getByRole("button", { name: "휴지통 비우기" }));
    expect(await screen.findByText("파일 1개를 지우지 못했습니다. 다음 정리 때 다시 지웁니다.")).toBeInTheDocument();
  });

  test("selected images are restored, or deleted for good after a confirmation with their size", async () => {
    const images = [trashed(1, 1024 * 1024), trashed(2, 2 * 1024 * 1024), trashed(3, 1024 * 1024)];
    const server = trashServer(images);
    renderTrash();
    await screen.findByRole("list", { name: "휴지통의 이미지" });
    const boxes = () => screen.getAllByRole("checkbox", { name: /^선택:/ });

    fireEvent.click(boxes()[0]);
    fireEvent.click(screen.getByRole("button", { name: "복원" }));
    await screen.findByText("1개를 복원했습니다");
    expect(server.requests("POST", "/api/v1/images/restore")[0].body).toEqual({ ids: [images[0].id] });
    await waitFor(() => expect(boxes()).toHaveLength(2));

    fireEvent.click(boxes()[0]);
    fireEvent.click(boxes()[1], { shiftKey: true });
    fireEvent.click(screen.getByRole("button", { name: "영구 삭제" }));
    const dialog = await screen.findByRole("dialog", { name: "이미지 2개를 영구 삭제할까요?" });
    expect(within(dialog).getByText("선택한 이미지 2개(3.0 MB)가 저장소에서 지워집니다. 되돌릴 수 없습니다.")).toBeInTheDocument();
    fireEvent.click(within(dialog).getByRole("button", { name: "영구 삭제" }));
    await screen.findByText("이미지 2개(3.0 MB)를 영구 삭제했습니다.");
    expect(server.requests("POST", "/api/v1/images/trash/empty")[0].body).toEqual({ ids: [images[1].id, images[2].id] });
  });

  test("an empty trash says how long deleted images are kept", async () => {
    trashServer([]);
    renderTrash();
    expect(await screen.findByRole("heading", { name: "휴지통이 비어 있습니다" })).toBeInTheDocument();
    expect(await screen.findByText(/30일 동안 여기에 보관되고/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "휴지통 비우기" })).toBeDisabled();
  });

  test("in English", async () => {
    trashServer([trashed(27)]);
    renderTrash("en");
    expect(await screen.findByText("Deleted in 3 days")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Empty the trash" })).toBeInTheDocument();
  });
});
