import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { installDialogPolyfill, installFakeServer, jobJson, jobPage, renderWithApp } from "../../shell/testing";
import JobsPage from "./JobsPage";

const done = jobJson({
  id: "dddddddd-0000-4000-8000-000000000001",
  kind: "goods",
  status: "succeeded",
  progress: 100,
  queue_position: null,
  waiting_reason: null,
  eta_seconds: null,
  params: { goods_type: "mug", prompt: "A cheerful mug" },
  result: { images: [{ id: "r1", url: "/api/v1/images/r1/file", thumbnail_url: "/api/v1/images/r1/thumbnail", width: 1024, height: 1024, format: "jpg" }] },
});
const older = jobJson({ id: "dddddddd-0000-4000-8000-000000000002", kind: "ppl", status: "failed", queue_position: null, waiting_reason: null, eta_seconds: null, error: { code: "moderated", message: "x" } });
const running = jobJson({ id: "dddddddd-0000-4000-8000-000000000003", kind: "edit", status: "running", progress: 55, queue_position: null, waiting_reason: null, eta_seconds: 9 });

beforeAll(installDialogPolyfill);
beforeEach(() => vi.unstubAllGlobals());

describe("the job history", () => {
  it("lists jobs with thumbnails and progress, and loads more with the cursor", async () => {
    const requests = installFakeServer((request) => {
      if (request.path !== "/api/v1/jobs") return undefined;
      if (request.query.get("status") === "queued,running") return { body: jobPage([running]) };
      if (request.query.get("cursor") === "c2") return { body: jobPage([older]) };
      return { body: jobPage([running, done], { has_next: true, next_cursor: "c2" }) };
    });
    renderWithApp(<JobsPage />, { route: "/jobs", path: "/jobs" });
    expect(await screen.findByRole("link", { name: "굿즈 목업" })).toHaveAttribute("href", `/jobs/${done.id}`);
    // The thumbnail repeats the row's link, so it is hidden from screen readers.
    expect(screen.getByRole("img", { name: "굿즈 목업 미리보기", hidden: true })).toHaveAttribute("src", "/api/v1/images/r1/thumbnail");
    expect(screen.getByRole("progressbar", { name: "이미지 편집 진행률" })).toHaveAttribute("aria-valuenow", "55");

    await userEvent.click(screen.getByRole("button", { name: "더 보기" }));
    expect(await screen.findByRole("link", { name: "PPL 이미지" })).toBeInTheDocument();
    expect(requests.some((r) => r.path === "/api/v1/jobs" && r.query.get("cursor") === "c2")).toBe(true);
    expect(screen.getByText("모든 작업을 보여 드렸습니다.")).toBeInTheDocument();
  });

  it("keeps the filters in the URL and sends them to the API", async () => {
    const requests = installFakeServer((request) =>
      request.path === "/api/v1/jobs" && request.query.get("kind") === "goods" ? { body: jobPage([done]) } : undefined);
    renderWithApp(<JobsPage />, { route: "/jobs", path: "/jobs" });
    await userEvent.selectOptions(await screen.findByLabelText("종류"), "goods");
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/jobs?kind=goods"));
    await userEvent.selectOptions(screen.getByLabelText("상태"), "succeeded");
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent("/jobs?kind=goods&status=succeeded"));
    await waitFor(() =>
      expect(requests.some((r) => r.path === "/api/v1/jobs" && r.query.get("kind") === "goods" && r.query.get("status") === "succeeded")).toBe(true));
  });

  it("offers per row: 다시 실행 and 설정 불러오기 for a finished job, 취소 for an active one", async () => {
    const requests = installFakeServer((request) => {
      if (request.path === "/api/v1/jobs") return { body: jobPage([running, done]) };
      if (request.method === "POST" && request.path === `/api/v1/jobs/${done.id}/retry`) {
        return { status: 202, body: jobJson({ id: "new", kind: "goods", retried_from: done.id }) };
      }
      return undefined;
    });
    renderWithApp(<JobsPage />, { route: "/jobs", path: "/jobs" });
    const goodsRow = (await screen.findByRole("link", { name: "굿즈 목업" })).closest("li")!;
    expect(within(goodsRow).getByRole("link", { name: "설정 불러오기" })).toHaveAttribute("href", `/create/goods?from=${done.id}`);
    await userEvent.click(within(goodsRow).getByRole("button", { name: "다시 실행" }));
    await waitFor(() => expect(requests.some((r) => r.method === "POST" && r.path === `/api/v1/jobs/${done.id}/retry`)).toBe(true));
    expect(await screen.findByText("새 작업을 시작했습니다.")).toBeInTheDocument();

    const editRow = screen.getByRole("link", { name: "이미지 편집" }).closest("li")!;
    expect(within(editRow).getByRole("button", { name: "이미지 편집 작업 취소" })).toBeInTheDocument();
  });

  it("invites a new user to make a first image", async () => {
    installFakeServer();
    renderWithApp(<JobsPage />, { route: "/jobs", path: "/jobs" });
    expect(await screen.findByRole("heading", { name: "아직 작업이 없습니다" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "PPL 이미지 만들기" })).toHaveAttribute("href", "/create/ppl");
  });

  it("says when no job matches the filters and clears them", async () => {
    installFakeServer();
    renderWithApp(<JobsPage />, { route: "/jobs?status=failed", path: "/jobs" });
    expect(await screen.findByRole("heading", { name: "조건에 맞는 작업이 없습니다" })).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "필터 지우기" }));
    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(/^\/jobs$/));
  });
});
