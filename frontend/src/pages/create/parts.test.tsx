import { screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";

import type { Language } from "../../i18n";
import { JobPanel } from "./parts";
import { installFakeServer, jobJson, renderPage } from "./testing";

afterEach(() => {
  vi.unstubAllGlobals();
});

const ID = "33333333-3333-4333-8333-333333333333";

/** The create page's job panel for one job as the platform answers it. */
async function renderPanel(job: ReturnType<typeof jobJson>, language: Language, title: string) {
  installFakeServer((r) => (r.method === "GET" && r.path === `/api/v1/jobs/${ID}` ? { body: job } : undefined));
  renderPage(<JobPanel jobId={ID} />, { route: "/create/ppl", path: "/create/ppl", language });
  return screen.findByRole("region", { name: title });
}

const words = {
  ko: { title: "진행 상황", waiting: "대기 중", place: "대기 2번째", eta: /^약 1분 \d+초 남음$/, reason: "동시 실행 한도: 앞 작업이 끝나면 시작", bar: "PPL 이미지 진행률" },
  en: { title: "Progress", waiting: "Waiting", place: "#2 in line", eta: /^about 1 min \d+ s left$/, reason: "Concurrency limit: starts when your earlier job finishes", bar: "PPL image progress" },
} as const;

describe("JobPanel", () => {
  it.each(["ko", "en"] as const)("draws no bar for a waiting job, only its place in line, ETA and reason (%s)", async (language) => {
    const w = words[language];
    const waiting = jobJson({ id: ID, status: "queued", queue_position: 2, eta_seconds: 95, waiting_reason: "user_concurrency", progress: 0 });
    const panel = await renderPanel(waiting, language, w.title);

    expect(within(panel).queryByRole("progressbar")).not.toBeInTheDocument();
    expect(within(panel).getByText(w.waiting)).toBeInTheDocument();
    expect(within(panel).getByText(w.place)).toBeInTheDocument();
    expect(within(panel).getByText(w.eta)).toBeInTheDocument();
    expect(within(panel).getByText(w.reason)).toBeInTheDocument();
  });

  it.each(["ko", "en"] as const)("draws a running job's bar with its value (%s)", async (language) => {
    const w = words[language];
    const running = jobJson({ id: ID, status: "running", queue_position: null, eta_seconds: 20, waiting_reason: null, progress: 40 });
    const panel = await renderPanel(running, language, w.title);

    expect(within(panel).getByRole("progressbar", { name: w.bar })).toHaveAttribute("aria-valuenow", "40");
    expect(within(panel).getByText("40%")).toBeInTheDocument();
    expect(within(panel).queryByText(w.place)).not.toBeInTheDocument();
  });
});
