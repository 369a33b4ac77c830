import { act, renderHook, waitFor } from "@testing-library/react";
import { QueryClient, QueryClientProvider, type InfiniteData } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { installFakeServer, jobJson, jobPage } from "../shell/testing";
import { FakeEventSource } from "./fakeEventSource";
import { COALESCE_MS, reopenDelay, useLiveEvents } from "./events";
import { IMAGES_KEY, imagesKey, USAGE_KEY, useImages, type ImagePages } from "./gallery";
import { jobKeys, LIVE_POLL_MS, useActiveJobs, useJob, useJobs, type Job, type JobPage } from "./jobs";
import { streamStatus, useStreamStatus } from "./liveStatus";

const RUNNING = jobJson({ id: "j1", status: "running", progress: 10, queue_position: null, eta_seconds: 20, waiting_reason: null });
const WAITING = jobJson({ id: "j2", status: "queued", queue_position: 2, eta_seconds: 60, created_at: "2026-12-02T04:00:05Z" });

function setUp() {
  const requests = installFakeServer((request) => {
    if (request.path === "/api/v1/jobs/j1") return { body: RUNNING };
    if (request.path === "/api/v1/jobs") return { body: jobPage(request.query.get("status")?.includes("succeeded") ? [] : [RUNNING, WAITING]) };
    if (request.path === "/api/v1/images") return { body: { results: [{ id: "i1" }, { id: "i2" }], page: 1, size: 60, has_next: false, next_cursor: null } };
    return undefined;
  });
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
  return { requests, client, wrapper };
}

const count = (requests: { path: string; query: URLSearchParams }[], path: string, status?: string) =>
  requests.filter((r) => r.path === path && (status === undefined || r.query.get("status") === status)).length;

beforeEach(() => {
  FakeEventSource.instances = [];
  vi.stubGlobal("EventSource", FakeEventSource);
  vi.useFakeTimers({ shouldAdvanceTime: true });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("events update the caches", () => {
  it("patches a job's page, the queue and the history from its events, without a request", async () => {
    const { requests, client, wrapper } = setUp();
    const { result, unmount } = renderHook(() => {
      useLiveEvents();
      return { job: useJob("j1"), active: useActiveJobs(), list: useJobs() };
    }, { wrapper });
    await waitFor(() => expect(result.current.job.data?.progress).toBe(10));
    await waitFor(() => expect(result.current.active.data).toHaveLength(2));
    FakeEventSource.latest().open(); // without an id to resume from: the job views fetch once more
    await waitFor(() => expect(client.isFetching()).toBe(0));
    const before = requests.length;

    const job = () => client.getQueryData<Job>(jobKeys.detail("j1"));
    const queue = () => client.getQueryData<Job[]>(jobKeys.active())!;
    const stream = FakeEventSource.latest();
    stream.send("job.progress", { id: "j1", kind: "ppl", status: "running", stage: "generating", progress: 55 }, 11);
    expect(job()).toMatchObject({ status: "running", progress: 55, stage: "generating" });
    expect(queue().find((j) => j.id === "j1")!.progress).toBe(55);

    stream.send("queue.moved", { jobs: [{ id: "j2", queue_position: 1, eta_seconds: 25 }] }, 12);
    expect(queue().find((j) => j.id === "j2")).toMatchObject({ queue_position: 1, eta_seconds: 25 });

    const images = [{ id: "r1", url: "/r1", thumbnail_url: "/r1/thumbnail", width: 8, height: 8, format: "png" }];
    stream.send("job.succeeded", {
      id: "j1", kind: "ppl", status: "succeeded", stage: "", progress: 100, results: images, finished_at: "2026-12-02T04:01:00Z",
    }, 13);
    expect(job()).toMatchObject({
      status: "succeeded", progress: 100, result: { images, page: null }, finished_at: "2026-12-02T04:01:00Z", eta_seconds: null,
    });
    // It left the queue; the history shows it finished; the page shows it.
    expect(queue().map((j) => j.id)).toEqual(["j2"]);
    await waitFor(() => expect(result.current.job.data?.status).toBe("succeeded"));
    const row = client.getQueryData<InfiniteData<JobPage>>(jobKeys.list({}))!.pages[0].results[0];
    expect(row).toMatchObject({ id: "j1", status: "succeeded", result: { images } });
    expect(requests.length).toBe(before);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(requests.filter((r) => r.path === "/api/v1/jobs/j1")).toHaveLength(2); // the first fetch and the catch-up
    unmount();
  });

  it("applies an event again over the answer of a fetch that was under way when it came", async () => {
    const { client, wrapper } = setUp();
    renderHook(() => useLiveEvents(), { wrapper });
    FakeEventSource.latest().open();
    client.setQueryData(jobKeys.detail("j1"), RUNNING);
    let answer: (job: Job) => void = () => {};
    const fetching = client.fetchQuery({
      queryKey: jobKeys.detail("j1"),
      queryFn: () => new Promise<Job>((resolve) => (answer = resolve)),
      staleTime: 0,
    });
    FakeEventSource.latest().send("job.succeeded", { id: "j1", kind: "ppl", status: "succeeded", progress: 100, results: [] }, 8);
    expect(client.getQueryData<Job>(jobKeys.detail("j1"))!.status).toBe("succeeded");

    answer(RUNNING); // the answer was made before the job finished
    await fetching;
    expect(client.getQueryData<Job>(jobKeys.detail("j1"))).toMatchObject({ status: "succeeded", progress: 100 });
  });

  it("leaves a list that is due for a refetch so after patching it", async () => {
    const { client, wrapper } = setUp();
    renderHook(() => useLiveEvents(), { wrapper });
    FakeEventSource.latest().open();
    client.setQueryData<InfiniteData<JobPage>>(jobKeys.list({}), { pages: [jobPage([RUNNING])], pageParams: [{}] });
    client.setQueryData(imagesKey("active"), {
      pages: [{ results: [{ id: "i1" }, { id: "i2" }], page: 1, size: 60, has_next: false, next_cursor: null }],
      pageParams: [null],
    });
    const stream = FakeEventSource.latest();

    stream.send("job.created", { id: "j3", kind: "ppl", status: "queued", progress: 0, queue_position: 2, eta_seconds: 40 }, 1);
    await vi.advanceTimersByTimeAsync(COALESCE_MS + 50); // the history is not on screen: marked stale only
    stream.send("job.progress", { id: "j1", kind: "ppl", status: "running", progress: 50 }, 2);
    expect(client.getQueryData<InfiniteData<JobPage>>(jobKeys.list({}))!.pages[0].results[0].progress).toBe(50);
    expect(client.getQueryState(jobKeys.list({}))!.isInvalidated).toBe(true);

    stream.send("image.deleted", { ids: ["i1"] }, 3);
    expect(client.getQueryData<ImagePages>(imagesKey("active"))!.pages[0].results.map((image) => image.id)).toEqual(["i2"]);
    expect(client.getQueryState(imagesKey("active"))!.isInvalidated).toBe(true);
  });

  it("keeps an ETA counting down across events that do not restate it", async () => {
    const { client, wrapper } = setUp();
    renderHook(() => useLiveEvents(), { wrapper });
    client.setQueryData(jobKeys.detail("j1"), RUNNING); // eta 20 s as of now
    FakeEventSource.latest().open();
    await vi.advanceTimersByTimeAsync(5_000);
    FakeEventSource.latest().send("job.progress", { id: "j1", kind: "ppl", status: "running", progress: 40 }, 3);
    const eta = client.getQueryData<Job>(jobKeys.detail("j1"))!.eta_seconds!;
    expect(eta).toBeGreaterThan(14);
    expect(eta).toBeLessThanOrEqual(15.1);
  });

  it("turns a burst of new images into one refetch of the gallery, and takes trashed ones out without one", async () => {
    const { requests, client, wrapper } = setUp();
    const { result } = renderHook(() => {
      useLiveEvents();
      return useImages("active");
    }, { wrapper });
    await waitFor(() => expect(result.current.data?.pages[0].results).toHaveLength(2));
    FakeEventSource.latest().open();
    const stream = FakeEventSource.latest();
    const before = count(requests, "/api/v1/images");

    stream.send("image.trashed", { ids: ["i1"] }, 20);
    expect(client.getQueryData<ImagePages>(imagesKey("active"))!.pages[0].results.map((image) => image.id)).toEqual(["i2"]);
    for (let id = 21; id < 31; id += 1) stream.send("image.created", { ids: [`n${id}`] }, id);
    expect(count(requests, "/api/v1/images")).toBe(before);
    await vi.advanceTimersByTimeAsync(COALESCE_MS + 50);
    await waitFor(() => expect(count(requests, "/api/v1/images")).toBe(before + 1));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(count(requests, "/api/v1/images")).toBe(before + 1);
  });

  it("takes the storage usage from its event, and refetches everything after a reset", async () => {
    const { client, wrapper } = setUp();
    renderHook(() => useLiveEvents(), { wrapper });
    FakeEventSource.latest().open();
    const usage = { used_bytes: 2048, quota_bytes: null, available_bytes: null, is_over_quota: false, images: { active: 2, trash: 0 }, trash_retention_days: 30 };
    FakeEventSource.latest().send("usage.changed", usage, 5);
    expect(client.getQueryData(USAGE_KEY)).toEqual(usage);

    client.setQueryData(jobKeys.detail("j1"), RUNNING);
    client.setQueryData(imagesKey("trash"), { pages: [], pageParams: [] });
    FakeEventSource.latest().send("reset", {}, 6);
    expect(client.getQueryState(jobKeys.detail("j1"))!.isInvalidated).toBe(true);
    expect(client.getQueryState(imagesKey("trash"))!.isInvalidated).toBe(true);
    expect(client.getQueryState(USAGE_KEY)!.isInvalidated).toBe(true);
    expect(client.getQueriesData({ queryKey: IMAGES_KEY })).toHaveLength(1);
  });
});

describe("the connection", () => {
  it("opens after sign-in and closes on sign-out", () => {
    const { wrapper } = setUp();
    const { unmount } = renderHook(() => useLiveEvents(), { wrapper });
    expect(FakeEventSource.instances.map((source) => source.url)).toEqual(["/api/v1/events"]);
    expect(streamStatus()).toBe("connecting");
    FakeEventSource.latest().open();
    expect(streamStatus()).toBe("live");
    unmount();
    expect(FakeEventSource.latest().readyState).toBe(FakeEventSource.CLOSED);
    expect(streamStatus()).toBe("off");
  });

  it("leaves reconnecting to the browser, and re-opens from the last event seen when the browser gives up", async () => {
    const { wrapper } = setUp();
    const { result } = renderHook(() => {
      useLiveEvents();
      return useStreamStatus();
    }, { wrapper });
    const first = FakeEventSource.latest();
    first.open();
    first.send("job.progress", { id: "j1", kind: "ppl", status: "running", progress: 20 }, 41);
    first.send("job.progress", { id: "j1", kind: "ppl", status: "running", progress: 30 }, 42);

    first.fail(false); // a network drop: the browser reconnects with Last-Event-ID by itself
    expect(result.current).toBe("down");
    expect(FakeEventSource.instances).toHaveLength(1);
    first.open();
    expect(result.current).toBe("live");

    first.fail(true); // the server is gone (or answered an error): the browser gives up
    expect(result.current).toBe("down");
    await vi.advanceTimersByTimeAsync(reopenDelay(0) + 10);
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(FakeEventSource.latest().url).toBe("/api/v1/events?last_event_id=42");

    FakeEventSource.latest().fail(true); // still down: the next try waits longer
    await vi.advanceTimersByTimeAsync(reopenDelay(1) - 100);
    expect(FakeEventSource.instances).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(200);
    expect(FakeEventSource.instances).toHaveLength(3);
    FakeEventSource.latest().open();
    expect(result.current).toBe("live");
  });

  it("closes the stream when the device goes offline and re-opens it from the last event once online", () => {
    const { wrapper } = setUp();
    renderHook(() => useLiveEvents(), { wrapper });
    const first = FakeEventSource.latest();
    first.open();
    first.send("usage.changed", {}, 77);

    act(() => void window.dispatchEvent(new Event("offline")));
    expect(first.readyState).toBe(FakeEventSource.CLOSED);
    expect(streamStatus()).toBe("down");
    act(() => void window.dispatchEvent(new Event("online")));
    expect(FakeEventSource.instances).toHaveLength(2);
    expect(FakeEventSource.latest().url).toBe("/api/v1/events?last_event_id=77");
    FakeEventSource.latest().open();
    expect(streamStatus()).toBe("live");
  });

  it("polls a running job every second while the stream is down, and only as a safety net while it is live", async () => {
    const { requests, wrapper } = setUp();
    const { result } = renderHook(() => {
      useLiveEvents();
      return useJob("j1");
    }, { wrapper });
    await waitFor(() => expect(result.current.data?.status).toBe("running"));

    // The stream cannot be opened: polling as before.
    FakeEventSource.latest().fail(true);
    let before = count(requests, "/api/v1/jobs/j1");
    await vi.advanceTimersByTimeAsync(3_100);
    expect(count(requests, "/api/v1/jobs/j1") - before).toBeGreaterThanOrEqual(3);

    // Open at last (without an id to resume from: one fetch to catch up), then quiet.
    await vi.advanceTimersByTimeAsync(reopenDelay(0));
    FakeEventSource.latest().open();
    await vi.advanceTimersByTimeAsync(100);
    before = count(requests, "/api/v1/jobs/j1");
    await vi.advanceTimersByTimeAsync(10_000);
    expect(count(requests, "/api/v1/jobs/j1")).toBe(before);
    await vi.advanceTimersByTimeAsync(LIVE_POLL_MS);
    expect(count(requests, "/api/v1/jobs/j1")).toBeGreaterThan(before);

    // Down again: polling resumes at once.
    FakeEventSource.latest().fail(false);
    before = count(requests, "/api/v1/jobs/j1");
    await vi.advanceTimersByTimeAsync(2_100);
    expect(count(requests, "/api/v1/jobs/j1") - before).toBeGreaterThanOrEqual(2);
  });
});
