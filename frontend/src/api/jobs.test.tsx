import { renderHook, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { installFakeServer, jobJson } from "../shell/testing";
import { backoff, bulkCount, jobPollInterval, jobThumbnail, useJob } from "./jobs";

describe("polling rules", () => {
  it("polls a running job every second, a waiting one every two, a finished one never", () => {
    expect(jobPollInterval({ status: "running" })).toBe(1_000);
    expect(jobPollInterval({ status: "queued" })).toBe(2_000);
    for (const status of ["succeeded", "failed", "canceled", "timed_out"] as const) {
      expect(jobPollInterval({ status })).toBe(false);
    }
  });

  it("doubles the interval for each failure in a row, up to 30 s", () => {
    expect(backoff(1_000, 0)).toBe(1_000);
    expect(backoff(1_000, 1)).toBe(2_000);
    expect(backoff(1_000, 3)).toBe(8_000);
    expect(backoff(1_000, 20)).toBe(30_000);
  });
});

describe("job helpers", () => {
  it("shows a job by its first result's thumbnail, else its first input's", () => {
    const input = { role: "input_image_1", url: "/in", thumbnail_url: "/in/thumbnail", width: 1, height: 1 };
    expect(jobThumbnail(jobJson({ inputs: [input] }))).toBe("/in/thumbnail");
    expect(jobThumbnail(jobJson({
      inputs: [input],
      result: { images: [{ id: "r", url: "/r", thumbnail_url: "/r/thumbnail", width: 1, height: 1, format: "png" }] },
    }))).toBe("/r/thumbnail");
    expect(jobThumbnail(jobJson({ inputs: [] }))).toBeNull();
  });

  it("counts a bulk answer whether it lists ids or gives a number", () => {
    expect(bulkCount(["a", "b"])).toBe(2);
    expect(bulkCount(3)).toBe(3);
  });
});

describe("useJob", () => {
  beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("polls while the job runs and stops once it has finished", async () => {
    const states = ["running", "running", "succeeded"] as const;
    let calls = 0;
    installFakeServer((request) => {
      if (request.path !== "/api/v1/jobs/j1") return undefined;
      const status = states[Math.min(calls, states.length - 1)];
      calls += 1;
      return { body: jobJson({ id: "j1", status }) };
    });
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
    const { result } = renderHook(() => useJob("j1"), { wrapper });

    await waitFor(() => expect(result.current.data?.status).toBe("running"));
    await vi.advanceTimersByTimeAsync(1_100);
    await vi.advanceTimersByTimeAsync(1_100);
    await waitFor(() => expect(result.current.data?.status).toBe("succeeded"));
    const settled = calls;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toBe(settled);
    client.clear();
  });
});
