import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { FakeEventSource } from "../api/fakeEventSource";
import { Layout } from "./Layout";
import { installDialogPolyfill, installFakeServer, jobJson, jobPage, ME, renderWithApp, type FakeRequest } from "./testing";

const running = jobJson({
  id: "aaaaaaaa-0000-4000-8000-000000000001",
  kind: "goods",
  status: "running",
  progress: 40,
  queue_position: null,
  waiting_reason: null,
  eta_seconds: 12,
  started_at: "2026-12-02T04:00:05Z",
  inputs: [{ role: "character_image", image_id: "img-1", url: "/api/v1/images/img-1/file", thumbnail_url: "/api/v1/images/img-1/thumbnail", width: 512, height: 512 }],
});
const waiting = jobJson({
  id: "aaaaaaaa-0000-4000-8000-000000000002",
  kind: "ppl",
  status: "queued",
  queue_position: 2,
  waiting_reason: "user_concurrency",
  eta_seconds: 95,
  created_at: "2026-12-02T04:00:10Z",
});
const finished = jobJson({
  id: "aaaaaaaa-0000-4000-8000-000000000003",
  kind: "edit",
  status: "succeeded",
  progress: 100,
  queue_position: null,
  waiting_reason: null,
  eta_seconds: null,
  finished_at: "2026-12-02T03:59:00Z",
});

function server(extra: (request: FakeRequest) => { status?: number; body?: unknown } | undefined = () => undefined) {
  return installFakeServer((request) => {
    const custom = extra(request);
    if (custom) return custom;
    if (request.method === "GET" && request.path === "/api/v1/jobs") {
      const status = request.query.get("status") ?? "";
      if (status === "queued,running") return { body: jobPage([waiting, running]) };
      if (status.includes("succeeded")) return { body: jobPage([finished]) };
    }
    return undefined;
  });
}

beforeAll(installDialogPolyfill);
beforeEach(() => {
  vi.unstubAllGlobals();
  document.title = "PPL Studio";
  localStorage.clear();
});

describe("the shell", () => {
  it("shows the count of active jobs on the badge and in the tab title", async () => {
    server();
    renderWithApp(<Layout />);
    expect(await screen.findByRole("button", { name: "작업 대기열, 진행 중 2개" })).toBeInTheDocument();
    await waitFor(() => expect(document.title).toBe("(2) PPL Studio"));
    expect(screen.getByRole("link", { name: "본문으로 건너뛰기" })).toHaveAttribute("href", "#main");
    expect(document.getElementById("main")?.tagName).toBe("MAIN");
  });

  it("marks the current page in the navigation and shows staff the admin link", async () => {
    server((request) => (request.path === "/api/v1/auth/me" ? { body: { ...ME, is_staff: true } } : undefined));
    renderWithApp(<Layout />, { route: "/jobs" });
    const nav = screen.getByRole("navigation", { name: "주 메뉴" });
    expect(within(nav).getByRole("link", { name: "작업" })).toHaveAttribute("aria-current", "page");
    expect(within(nav).getByRole("link", { name: "갤러리" })).not.toHaveAttribute("aria-current");
    expect(within(nav).getByRole("link", { name: "상세페이지" })).toHaveAttribute("href", "/create/page");
    expect(await within(nav).findByRole("link", { name: "관리자" })).toHaveAttribute("href", "/admin/");
  });

  it("folds the navigation into a menu button that says whether it is open", async () => {
    server();
    renderWithApp(<Layout />);
    const menu = screen.getByRole("button", { name: "메뉴" });
    expect(menu).toHaveAttribute("aria-expanded", "false");
    expect(menu).toHaveAttribute("aria-controls", screen.getByRole("navigation").id);
    await userEvent.click(menu);
    expect(menu).toHaveAttribute("aria-expanded", "true");
    await userEvent.keyboard("{Escape}");
    expect(menu).toHaveAttribute("aria-expanded", "false");
  });

  it("warns with a banner when pre-flight says the workers or the image service are down", async () => {
    server((request) =>
      request.path === "/api/v1/preflight"
        ? { body: { ok: false, kind: "ppl", provider: "local", message: "No worker", reasons: [
          { code: "workers_down", message: "No worker is running" },
          { code: "provider_unavailable", message: "The local image service is not answering" },
          { code: "queue_full", message: "You already have 3 job(s) waiting" },
        ] } }
        : undefined);
    renderWithApp(<Layout />);
    const banner = await screen.findByText("지금은 새 작업이 시작되지 않을 수 있습니다");
    const box = banner.closest("[role=status]") as HTMLElement;
    expect(within(box).getByText(/작업 처리기가 실행 중이 아니어서/)).toBeInTheDocument();
    // The user's own full queue is the create pages' business, not a site-wide banner.
    expect(within(box).queryByText(/3 job/)).not.toBeInTheDocument();
    expect(within(box).getByText(/이미지 생성 서비스가 응답하지 않습니다/)).toBeInTheDocument();
    expect(within(box).getAllByRole("listitem")).toHaveLength(2);
  });

  it("switches the language and remembers it", async () => {
    server();
    renderWithApp(<Layout />);
    const english = screen.getByRole("button", { name: "English" });
    await userEvent.click(english);
    expect(await screen.findByRole("button", { name: /Job queue, \d+ active/ })).toBeInTheDocument();
    expect(localStorage.getItem("ppl-studio.language")).toBe("en");
  });
});

describe("the queue drawer", () => {
  it("lists each active job with its place in line, ETA and why it waits", async () => {
    server();
    renderWithApp(<Layout />);
    await userEvent.click(await screen.findByRole("button", { name: "작업 대기열, 진행 중 2개" }));
    const drawer = await screen.findByRole("dialog", { name: "작업 대기열" });

    expect(within(drawer).getByRole("heading", { name: "진행 중인 작업 (2)" })).toBeInTheDocument();
    const rows = within(drawer).getAllByRole("listitem");
    const queued = rows.find((row) => within(row).queryByText("PPL 이미지"))!;
    expect(within(queued).getByText("대기 2번째")).toBeInTheDocument();
    expect(within(queued).getByText("약 1분 35초 남음")).toBeInTheDocument();
    expect(within(queued).getByText("동시 실행 한도: 앞 작업이 끝나면 시작")).toBeInTheDocument();

    const goods = rows.find((row) => within(row).queryByText("굿즈 목업"))!;
    expect(within(goods).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "40");
    expect(within(goods).getByRole("img", { name: "굿즈 목업 미리보기" })).toHaveAttribute("src", "/api/v1/images/img-1/thumbnail");

    expect(await within(drawer).findByRole("link", { name: "이미지 편집" })).toHaveAttribute("href", `/jobs/${finished.id}`);
  });

  it("draws no progress for a waiting job, beside a running one at 0 % (ko and en)", async () => {
    const starting = { ...running, progress: 0, eta_seconds: 40 };
    const third = { ...waiting, queue_position: 3, eta_seconds: 40 };
    server((request) =>
      request.path === "/api/v1/jobs" && request.query.get("status") === "queued,running"
        ? { body: jobPage([third, starting]) }
        : undefined);
    renderWithApp(<Layout />);
    await userEvent.click(await screen.findByRole("button", { name: "작업 대기열, 진행 중 2개" }));
    let drawer = await screen.findByRole("dialog", { name: "작업 대기열" });
    const row = (kind: string) => within(drawer).getAllByRole("listitem").find((item) => within(item).queryByText(kind))!;

    expect(within(row("PPL 이미지")).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(within(row("PPL 이미지")).getByText("대기 3번째")).toBeInTheDocument();
    expect(within(row("PPL 이미지")).getByText("약 40초 남음")).toBeInTheDocument();
    expect(within(row("굿즈 목업")).getByRole("progressbar", { name: "굿즈 목업 진행률" })).toHaveAttribute("aria-valuenow", "0");
    expect(within(drawer).getAllByRole("progressbar")).toHaveLength(1);

    await userEvent.click(within(drawer).getByRole("button", { name: "닫기" }));
    await userEvent.click(screen.getByRole("button", { name: "English" }));
    await userEvent.click(await screen.findByRole("button", { name: /Job queue, 2 active/ }));
    drawer = await screen.findByRole("dialog", { name: "Job queue" });
    expect(within(row("PPL image")).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(within(row("PPL image")).getByText("#3 in line")).toBeInTheDocument();
    expect(within(row("PPL image")).getByText("about 40 s left")).toBeInTheDocument();
    expect(within(row("Goods mock-up")).getByRole("progressbar")).toHaveAttribute("aria-valuenow", "0");
  });

  it("cancels one job from its row", async () => {
    const requests = server((request) =>
      request.method === "POST" && request.path === `/api/v1/jobs/${waiting.id}/cancel`
        ? { body: { ...waiting, status: "canceled", queue_position: null } }
        : undefined);
    renderWithApp(<Layout />);
    await userEvent.click(await screen.findByRole("button", { name: "작업 대기열, 진행 중 2개" }));
    const drawer = await screen.findByRole("dialog", { name: "작업 대기열" });
    await userEvent.click(within(drawer).getByRole("button", { name: "PPL 이미지 작업 취소" }));
    await waitFor(() => expect(requests.some((r) => r.method === "POST" && r.path === `/api/v1/jobs/${waiting.id}/cancel`)).toBe(true));
    expect(await screen.findByText("작업을 취소했습니다.")).toBeInTheDocument();
  });

  it("cancels every waiting job after a confirmation that says how many, leaving running ones", async () => {
    const requests = server((request) =>
      request.method === "POST" && request.path === "/api/v1/jobs/cancel"
        ? { body: { changed: [waiting.id], unchanged: [], not_found: [] } }
        : undefined);
    renderWithApp(<Layout />);
    await userEvent.click(await screen.findByRole("button", { name: "작업 대기열, 진행 중 2개" }));
    const drawer = await screen.findByRole("dialog", { name: "작업 대기열" });
    await userEvent.click(within(drawer).getByRole("button", { name: "대기 작업 모두 취소" }));

    const confirm = await screen.findByRole("dialog", { name: "대기 작업을 모두 취소할까요?" });
    expect(within(confirm).getByText("대기 중인 작업 1개가 취소됩니다. 실행 중인 작업은 그대로 계속됩니다.")).toBeInTheDocument();
    await userEvent.click(within(confirm).getByRole("button", { name: "1개 취소" }));

    await waitFor(() => {
      const sent = requests.find((r) => r.method === "POST" && r.path === "/api/v1/jobs/cancel");
      expect(sent?.json).toEqual({ status: "queued" });
    });
    expect(await screen.findByText("대기 작업 1개를 취소했습니다.")).toBeInTheDocument();
    // Closing the confirmation leaves the drawer open.
    expect(screen.queryByRole("dialog", { name: "대기 작업을 모두 취소할까요?" })).not.toBeInTheDocument();
    expect(screen.getByRole("dialog", { name: "작업 대기열" })).toBeInTheDocument();
  });

  it("keeps the drawer open when Escape dismisses the confirmation inside it", async () => {
    server();
    renderWithApp(<Layout />);
    await userEvent.click(await screen.findByRole("button", { name: "작업 대기열, 진행 중 2개" }));
    const drawer = await screen.findByRole("dialog", { name: "작업 대기열" });
    await userEvent.click(within(drawer).getByRole("button", { name: "대기 작업 모두 취소" }));
    const confirm = await screen.findByRole("dialog", { name: "대기 작업을 모두 취소할까요?" });
    act(() => {
      confirm.dispatchEvent(new Event("cancel", { cancelable: true }));
    });
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "대기 작업을 모두 취소할까요?" })).not.toBeInTheDocument());
    expect(screen.getByRole("dialog", { name: "작업 대기열" })).toBeInTheDocument();
  });

  it("closes on Escape", async () => {
    server();
    renderWithApp(<Layout />);
    const badge = await screen.findByRole("button", { name: "작업 대기열, 진행 중 2개" });
    await userEvent.click(badge);
    const drawer = await screen.findByRole("dialog", { name: "작업 대기열" });
    // What the browser fires on Escape in a modal <dialog>.
    act(() => {
      drawer.dispatchEvent(new Event("cancel", { cancelable: true }));
    });
    await waitFor(() => expect(screen.queryByRole("dialog", { name: "작업 대기열" })).not.toBeInTheDocument());
    expect(badge).toHaveAttribute("aria-expanded", "false");
  });

  it("says whether it follows the live event stream or polls, and shows a job's progress from the stream", async () => {
    FakeEventSource.instances = [];
    vi.stubGlobal("EventSource", FakeEventSource);
    server();
    renderWithApp(<Layout />);
    await userEvent.click(await screen.findByRole("button", { name: "작업 대기열, 진행 중 2개" }));
    const drawer = await screen.findByRole("dialog", { name: "작업 대기열" });
    expect(await within(drawer).findByText("40%")).toBeInTheDocument();

    FakeEventSource.latest().open();
    expect(await within(drawer).findByText("실시간")).toBeInTheDocument();
    FakeEventSource.latest().send("job.progress", { id: running.id, kind: "goods", status: "running", progress: 75 }, 9);
    expect(await within(drawer).findByText("75%")).toBeInTheDocument();

    FakeEventSource.latest().fail(false);
    expect(await within(drawer).findByText("새로고침 중")).toBeInTheDocument();
  });
});
