import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { installDialogPolyfill, installFakeServer, jobJson, renderWithApp, type FakeRequest } from "../../shell/testing";
import JobDetailPage from "./JobDetailPage";

const ID = "bbbbbbbb-0000-4000-8000-000000000001";
const NEW_ID = "bbbbbbbb-0000-4000-8000-000000000002";
const finishedAt = { started_at: "2026-12-02T04:00:02Z", finished_at: "2026-12-02T04:00:40Z", queue_position: null, waiting_reason: null, eta_seconds: null };

function serve(job: ReturnType<typeof jobJson>, extra: (r: FakeRequest) => { status?: number; body?: unknown } | undefined = () => undefined) {
  return installFakeServer((request) => {
    const custom = extra(request);
    if (custom) return custom;
    if (request.method === "GET" && request.path === `/api/v1/jobs/${ID}`) return { body: job };
    return undefined;
  });
}

function open(language: "ko" | "en" = "ko") {
  return renderWithApp(<JobDetailPage />, { route: `/jobs/${ID}`, path: "/jobs/:id", language });
}

beforeAll(installDialogPolyfill);
beforeEach(() => vi.unstubAllGlobals());

describe("the job page", () => {
  it("shows a moderated job in Korean with its 오류 ID and retries it with an edited prompt", async () => {
    const requests = serve(
      jobJson({ id: ID, status: "failed", ...finishedAt, error: { code: "moderated", message: "Flagged by moderation" }, request_id: "req-7f3a" }),
      (request) => request.method === "POST" && request.path === `/api/v1/jobs/${ID}/retry`
        ? { status: 202, body: jobJson({ id: NEW_ID, retried_from: ID }) }
        : undefined,
    );
    open();
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByRole("heading", { name: "안전성 검사에서 차단되었습니다" })).toBeInTheDocument();
    expect(within(alert).getByText("req-7f3a")).toBeInTheDocument();
    expect(within(alert).getByText(/오류 ID/)).toBeInTheDocument();

    await userEvent.click(within(alert).getByRole("button", { name: "편집 후 다시 실행" }));
    const dialog = await screen.findByRole("dialog", { name: "프롬프트를 고쳐 다시 실행" });
    const prompt = within(dialog).getByLabelText("프롬프트");
    expect(prompt).toHaveValue("Put the bottle on the wooden table");
    await userEvent.clear(prompt);
    await userEvent.type(prompt, "A bottle on a picnic table");
    await userEvent.click(within(dialog).getByRole("button", { name: "다시 실행" }));

    await waitFor(() => expect(screen.getByTestId("location")).toHaveTextContent(`/jobs/${NEW_ID}`));
    const retry = requests.find((r) => r.method === "POST" && r.path === `/api/v1/jobs/${ID}/retry`)!;
    expect(retry.json).toEqual({ prompt: "A bottle on a picnic table" });
    expect(retry.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("shows a timed-out job with 이미지 생성 시간이 초과되었습니다 and a retry", async () => {
    const requests = serve(
      jobJson({ id: ID, status: "timed_out", ...finishedAt, error: { code: "timed_out", message: "took too long" }, request_id: "req-timeout-1" }),
      (request) => request.method === "POST" && request.path === `/api/v1/jobs/${ID}/retry`
        ? { status: 202, body: jobJson({ id: NEW_ID, retried_from: ID }) }
        : undefined,
    );
    open();
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByRole("heading", { name: "이미지 생성 시간이 초과되었습니다" })).toBeInTheDocument();
    expect(within(alert).getByText("req-timeout-1")).toBeInTheDocument();
    await userEvent.click(within(alert).getByRole("button", { name: "다시 실행" }));
    await waitFor(() => expect(requests.some((r) => r.method === "POST" && r.path === `/api/v1/jobs/${ID}/retry`)).toBe(true));
    const retry = requests.find((r) => r.path.endsWith("/retry"))!;
    expect(retry.json).toEqual({});
  });

  it("says what went wrong for another failure, in the user's language", async () => {
    serve(jobJson({ id: ID, status: "failed", ...finishedAt, error: { code: "provider_unavailable", message: "connect error" }, request_id: "req-1" }));
    open("en");
    const alert = await screen.findByRole("alert");
    expect(within(alert).getByText("The image service cannot be reached.")).toBeInTheDocument();
    expect(within(alert).getByText(/Error ID/)).toBeInTheDocument();
  });

  it("says a canceled job was canceled and offers to run it again", async () => {
    serve(jobJson({ id: ID, status: "canceled", ...finishedAt }));
    open();
    expect(await screen.findByRole("heading", { name: "취소된 작업입니다" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "다시 실행" })).toBeInTheDocument();
  });

  it("shows a waiting job's place in line, ETA and reason, and lets it be canceled", async () => {
    let job = jobJson({ id: ID, status: "queued", queue_position: 3, eta_seconds: 40, waiting_reason: "provider_capacity" });
    const requests = installFakeServer((request) => {
      if (request.method === "GET" && request.path === `/api/v1/jobs/${ID}`) return { body: job };
      if (request.method === "POST" && request.path === `/api/v1/jobs/${ID}/cancel`) {
        job = { ...job, status: "canceled", queue_position: null, eta_seconds: null, waiting_reason: null, finished_at: "2026-12-02T04:01:00Z" };
        return { body: job };
      }
      return undefined;
    });
    open();
    expect(await screen.findByText("대기 3번째")).toBeInTheDocument();
    expect(screen.getByText("약 40초 남음")).toBeInTheDocument();
    expect(screen.getByText("생성 서비스가 바쁨: 자리가 나면 시작")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "PPL 이미지 작업 취소" }));
    expect(await screen.findByRole("heading", { name: "취소된 작업입니다" })).toBeInTheDocument();
    expect(screen.queryByText("대기 3번째")).not.toBeInTheDocument();
    expect(requests.filter((r) => r.method === "POST")).toHaveLength(1);
  });

  it("shows the results with download and edit links, the inputs, the settings and the translation", async () => {
    serve(jobJson({
      id: ID,
      kind: "edit",
      status: "succeeded",
      progress: 100,
      ...finishedAt,
      params: { prompt: "배경을 바다로 바꿔 주세요", output_format: "png", seed: 7 },
      translation: { source_language: "ko", text: "Change the background to the sea", translated: true, note: "", model: "gpt-test" },
      inputs: [{ role: "image", image_id: "in-1", url: "/api/v1/images/in-1/file", thumbnail_url: "/api/v1/images/in-1/thumbnail", width: 800, height: 600 }],
      result: { images: [{ id: "out-1", url: "/api/v1/images/out-1/file", thumbnail_url: "/api/v1/images/out-1/thumbnail", width: 1024, height: 768, format: "png" }] },
    }));
    open();
    expect(await screen.findByRole("heading", { name: "이미지 편집 작업" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "다운로드" })).toHaveAttribute("href", "/api/v1/images/out-1/file?download=1");
    expect(screen.getByRole("link", { name: "편집" })).toHaveAttribute("href", "/create/edit?image_id=out-1");
    expect(screen.getByRole("img", { name: "원본" })).toHaveAttribute("src", "/api/v1/images/in-1/thumbnail");
    expect(screen.getByText("Change the background to the sea")).toBeInTheDocument();
    expect(screen.getByRole("rowheader", { name: "시드" })).toBeInTheDocument();
    expect(screen.getByRole("rowheader", { name: "파일 형식" }).nextSibling).toHaveTextContent("PNG");
    expect(screen.getByRole("link", { name: "설정 불러오기" })).toHaveAttribute("href", `/create/edit?from=${ID}`);
  });

  it("links a product-page job to its page", async () => {
    serve(jobJson({
      id: ID, kind: "page", status: "succeeded", progress: 100, ...finishedAt, params: { product_name: "보틀" },
      result: { images: [], page: { id: "page-1", html_url: "/api/v1/pages/page-1/html", blocks: [] } },
    }));
    open();
    expect(await screen.findByRole("link", { name: "상세페이지 보기" })).toHaveAttribute("href", "/pages/page-1");
  });

  it("answers an unknown job with a not-found screen", async () => {
    installFakeServer();
    open();
    expect(await screen.findByRole("heading", { level: 1, name: "작업을 찾을 수 없습니다" })).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "작업 목록으로" })).toHaveAttribute("href", "/jobs");
  });

  it("shows the failing response's request id when the job cannot be loaded", { timeout: 8_000 }, async () => {
    installFakeServer((request) => request.path === `/api/v1/jobs/${ID}`
      ? { status: 500, body: { code: "internal_error", message: "boom" }, headers: { "X-Request-ID": "req-500" } }
      : undefined);
    open();
    // A 5xx is retried twice (1 s, then 2 s later) before the page gives up.
    const alert = await screen.findByRole("alert", {}, { timeout: 5_000 });
    expect(within(alert).getByText("서버 오류가 발생했습니다.")).toBeInTheDocument();
    expect(within(alert).getByText("req-500")).toBeInTheDocument();
  });
});
