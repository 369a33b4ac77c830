// The live event stream (GET /api/v1/events, server-sent events): one EventSource per signed-in
// tab. An event patches the TanStack Query caches in place when its payload says enough (a job's
// status, progress, place in line, result; images leaving a list; the storage usage) and marks
// the lists it cannot patch stale, a few at a time. While the stream is healthy the pages poll
// only as a slow safety net (jobs.ts); while it is down they poll as before.
import { useEffect } from "react";
import { useQueryClient, type InfiniteData, type QueryClient, type QueryKey } from "@tanstack/react-query";

import { IMAGES_KEY, localMoves, USAGE_KEY, type ImagePages } from "./gallery";
import { isJobActive, jobKeys, type Job, type JobFilters, type JobPage } from "./jobs";
import { setStreamStatus } from "./liveStatus";
import type { StorageUsage } from "./types";

const EVENTS_URL = "/api/v1/events";

// ---- Coalesced invalidation ----

/** How long invalidations gather before one refetch (a burst of 100 events is one request). */
export const COALESCE_MS = 250;

/**
 * Invalidates query groups at most once per COALESCE_MS each, never while the previous refetch
 * of the same group is still running (a refetch cancelled by the next one would never land).
 */
class Invalidator {
  private readonly pending = new Map<string, { timer: ReturnType<typeof setTimeout> | null; running: boolean; again: boolean }>();

  constructor(private readonly client: QueryClient) {}

  schedule(name: string, run: (client: QueryClient) => Promise<unknown>) {
    let entry = this.pending.get(name);
    if (!entry) this.pending.set(name, (entry = { timer: null, running: false, again: false }));
    if (entry.running) {
      entry.again = true;
      return;
    }
    if (entry.timer) return;
    const state = entry;
    state.timer = setTimeout(async () => {
      state.timer = null;
      state.running = true;
      try {
        await run(this.client);
      } finally {
        state.running = false;
        if (state.again) {
          state.again = false;
          this.schedule(name, run);
        }
      }
    }, COALESCE_MS);
  }

  cancel() {
    for (const entry of this.pending.values()) if (entry.timer) clearTimeout(entry.timer);
    this.pending.clear();
  }
}

const invalidate = (queryKey: QueryKey, predicate?: (key: QueryKey) => boolean) => (client: QueryClient) =>
  client.invalidateQueries({ queryKey, predicate: predicate && ((query) => predicate(query.queryKey)) });

// ---- Event payloads (accounts/events.py) ----

type JobEvent = Partial<Job> & {
  id: string;
  stage?: string;
  /** job.succeeded: the result images (as in the job's `result.images`) and a page job's page. */
  results?: NonNullable<Job["result"]>["images"];
  page?: NonNullable<Job["result"]>["page"];
};
type QueueMoved = { jobs: Pick<Job, "id" | "queue_position" | "eta_seconds">[] };
type ImageIds = { ids: string[] };

const JOB_FIELDS = ["status", "progress", "queue_position", "eta_seconds", "started_at", "finished_at", "translation", "error"] as const;

/** What a job.* event changes in the job JSON. */
function jobPatch(event: JobEvent): Partial<Job> & { stage?: string } {
  const patch: Partial<Job> & { stage?: string } = {};
  for (const key of JOB_FIELDS) if (key in event) (patch as Record<string, unknown>)[key] = event[key];
  if (event.stage !== undefined) patch.stage = event.stage;
  if (event.results) patch.result = { images: event.results, page: event.page ?? null };
  if (event.status && event.status !== "queued") {
    patch.queue_position = null;
    patch.waiting_reason = null;
  }
  if (event.status && !isJobActive({ status: event.status })) patch.eta_seconds = null;
  return patch;
}

/**
 * An ETA is "seconds left as of the answer" and counts down from the query's dataUpdatedAt
 * (lib/eta.ts). A patch moves dataUpdatedAt to now, so the ETAs it does not replace are
 * restated as of now (fractional: the display rounds), and the countdown carries on unbroken.
 */
function rebase(job: Job, elapsedSeconds: number, patch: Partial<Job> | undefined): Job {
  const eta = job.eta_seconds == null ? job.eta_seconds : Math.max(0, job.eta_seconds - elapsedSeconds);
  return { ...job, eta_seconds: eta, ...patch };
}

type Patches = Map<string, Partial<Job>>;
type Update = (data: unknown, elapsedSeconds: number) => unknown;

/**
 * A fetch already under way when an event patches its query answers with a state from before the
 * event (or just after it): the event's patch is applied again on top of that answer, so the
 * change is neither lost nor paid for with another request.
 */
class PendingPatches {
  private readonly byQuery = new Map<string, ((data: unknown) => unknown)[]>();
  private readonly unsubscribe: () => void;

  constructor(private readonly client: QueryClient) {
    this.unsubscribe = client.getQueryCache().subscribe((event) => {
      if (event.type !== "updated" || (event.action.type !== "success" && event.action.type !== "error")) return;
      const updates = this.byQuery.get(event.query.queryHash);
      if (!updates || (event.action.type === "success" && event.action.manual)) return;
      this.byQuery.delete(event.query.queryHash);
      if (event.action.type === "success") {
        client.setQueryData(event.query.queryKey, updates.reduce((data, update) => update(data), event.query.state.data));
      }
    });
  }

  /** Patch the query's data now, and its fetch's answer if one is under way. */
  apply(key: QueryKey, update: Update) {
    const query = this.client.getQueryCache().find({ queryKey: key, exact: true });
    if (!query || query.state.data === undefined) return;
    const now = Date.now();
    if (query.state.fetchStatus === "fetching") {
      const updates = this.byQuery.get(query.queryHash) ?? [];
      this.byQuery.set(query.queryHash, [...updates, (data) => update(data, 0)]);
    }
    const elapsed = Math.max(0, (now - query.state.dataUpdatedAt) / 1000);
    const wasInvalidated = query.state.isInvalidated;
    this.client.setQueryData(key, update(query.state.data, elapsed), { updatedAt: now });
    // Still due for a refetch (e.g. a list a new job will be in): the patch must not hide that.
    if (wasInvalidated) void this.client.invalidateQueries({ queryKey: key, exact: true, refetchType: "none" });
  }

  stop() {
    this.unsubscribe();
    this.byQuery.clear();
  }
}

/** Apply patches to every cached copy of these jobs; finished ones leave the active list. */
function patchJobs(client: QueryClient, pending: PendingPatches, patches: Patches) {
  const touches = (jobs: Job[]) => jobs.some((job) => patches.has(job.id));
  for (const [id, patch] of patches) {
    pending.apply(jobKeys.detail(id), (job, seconds) => rebase(job as Job, seconds, patch));
  }
  if (touches(client.getQueryData<Job[]>(jobKeys.active()) ?? [])) {
    pending.apply(jobKeys.active(), (jobs, seconds) =>
      (jobs as Job[]).map((job) => rebase(job, seconds, patches.get(job.id))).filter(isJobActive));
  }
  for (const [key, data] of client.getQueriesData<InfiniteData<JobPage>>({ queryKey: jobKeys.lists() })) {
    if (!data?.pages.some((page) => touches(page.results))) continue;
    pending.apply(key, (lists, seconds) => {
      const pages = lists as InfiniteData<JobPage>;
      return {
        ...pages,
        pages: pages.pages.map((page) => ({ ...page, results: page.results.map((job) => rebase(job, seconds, patches.get(job.id))) })),
      };
    });
  }
}

/**
 * Take images out of the loaded lists at once; like removeFromLists (gallery.ts) the lists stay
 * due for a refetch on their next visit (a list marked stale by an earlier event must stay so).
 */
function removeImages(client: QueryClient, state: "active" | "trash" | null, ids: ReadonlySet<string>) {
  const queryKey = state ? [...IMAGES_KEY, state] : IMAGES_KEY;
  client.setQueriesData<ImagePages>({ queryKey }, (data) =>
    data && {
      ...data,
      pages: data.pages.map((page) => ({ ...page, results: page.results.filter((image) => !ids.has(image.id)) })),
    });
  void client.invalidateQueries({ queryKey, refetchType: "none" });
}

const isFilteredList = (key: QueryKey) => Boolean((key[2] as JobFilters | undefined)?.status);
const JOB_FINISHED = new Set(["job.succeeded", "job.failed", "job.canceled", "job.timed_out"]);

/** Everything the app shows of jobs and images (a `reset`: the client missed too much). */
function invalidateEverything(client: QueryClient) {
  void client.invalidateQueries({ queryKey: jobKeys.all });
  void client.invalidateQueries({ queryKey: IMAGES_KEY });
  void client.invalidateQueries({ queryKey: USAGE_KEY });
  void client.invalidateQueries({ queryKey: ["gallery"] });
}

/** Bring the caches up to date with one event (a type the app does not know is left alone). */
function applyEvent(client: QueryClient, later: Invalidator, pending: PendingPatches, type: string, data: unknown): void {
  if (type === "reset") {
    localMoves(client).clear(); // the echoes of this tab's moves may be among what was missed
    invalidateEverything(client);
    return;
  }
  if (type === "usage.changed") {
    client.setQueryData<StorageUsage>(USAGE_KEY, data as StorageUsage);
    return;
  }
  if (type === "queue.moved") {
    patchJobs(client, pending, new Map((data as QueueMoved).jobs.map(({ id, ...place }) => [id, place])));
    return;
  }
  if (type === "job.created") {
    // The payload is not the whole job (no inputs, no params): the lists that show it refetch.
    later.schedule("jobs.active", invalidate(jobKeys.active()));
    later.schedule("jobs.lists", invalidate(jobKeys.lists()));
    return;
  }
  if (type.startsWith("job.")) {
    const event = data as JobEvent;
    patchJobs(client, pending, new Map([[event.id, jobPatch(event)]]));
    // Lists filtered by status may no longer hold the job (or now hold it).
    if (type === "job.started" || JOB_FINISHED.has(type)) {
      later.schedule("jobs.filtered", invalidate(jobKeys.lists(), isFilteredList));
    }
    if (JOB_FINISHED.has(type)) {
      later.schedule("jobs.recent", invalidate(jobKeys.recent()));
      // A place in the queue freed up: the create page's "submit when there is room" counts again.
      later.schedule("create.counts", invalidate(["create", "queue-counts"]));
    }
    return;
  }
  if (type.startsWith("image.")) {
    const all = (data as ImageIds).ids;
    if (type === "image.trashed" || type === "image.restored") {
      // Images this tab has moved since (its lists already show that) are left as they are.
      const trashed = type === "image.trashed";
      const moves = localMoves(client);
      const ids = new Set(all.filter((id) => moves.admit(id, trashed ? "trashed" : "restored")));
      if (!ids.size) return;
      const [from, to] = trashed ? (["active", "trash"] as const) : (["trash", "active"] as const);
      removeImages(client, from, ids);
      later.schedule(`images.${to}`, invalidate([...IMAGES_KEY, to]));
    } else if (type === "image.deleted") {
      localMoves(client).forget(all);
      removeImages(client, null, new Set(all));
    } else {
      later.schedule("images.active", invalidate([...IMAGES_KEY, "active"]));
    }
    later.schedule("gallery", invalidate(["gallery"])); // the create pages' picker
  }
}

// ---- The connection ----

const EVENT_TYPES = [
  "job.created", "job.started", "job.stage", "job.progress", "job.translated", "job.succeeded", "job.failed",
  "job.canceled", "job.timed_out", "queue.moved", "image.created", "image.trashed", "image.restored",
  "image.deleted", "usage.changed", "reset",
] as const;

/** Re-opening after the browser gave up: 1 s, 2 s, 4 s … at most a minute apart. */
export function reopenDelay(failures: number): number {
  return Math.min(60_000, 1_000 * 2 ** Math.min(failures, 6));
}

const OPEN = 1; // EventSource.OPEN
const CLOSED = 2; // EventSource.CLOSED: the browser has given up on this one

/**
 * One stream for the signed-in tab. The browser reconnects by itself after a drop and sends
 * Last-Event-ID, so the server replays what was missed; when it gives up (an error answer, the
 * server gone for good) the stream is re-opened here with ?last_event_id= and a backoff.
 */
class LiveEvents {
  private source: EventSource | null = null;
  private lastId: string | null = null;
  private failures = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly later: Invalidator;
  private readonly pending: PendingPatches;

  constructor(private readonly client: QueryClient) {
    this.later = new Invalidator(client);
    this.pending = new PendingPatches(client);
  }

  start() {
    setStreamStatus("connecting");
    window.addEventListener("online", this.onOnline);
    window.addEventListener("offline", this.onOffline);
    this.open();
  }

  stop() {
    window.removeEventListener("online", this.onOnline);
    window.removeEventListener("offline", this.onOffline);
    this.close();
    this.later.cancel();
    this.pending.stop();
    setStreamStatus("off");
  }

  private close() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.source?.close();
    this.source = null;
  }

  /**
   * The device lost its network: the open connection may hang unnoticed for minutes (no TCP
   * reset ever comes), so it is closed now, and the pages poll until the network is back.
   */
  private readonly onOffline = () => {
    this.close();
    setStreamStatus("down");
  };

  /** Back online: re-open now (from the last event seen) instead of at the next backoff. */
  private readonly onOnline = () => {
    if (this.source?.readyState === OPEN) return;
    this.close();
    this.open();
  };

  private open() {
    const url = this.lastId ? `${EVENTS_URL}?last_event_id=${encodeURIComponent(this.lastId)}` : EVENTS_URL;
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      setStreamStatus("live");
      // Without an id to resume from, the stream starts at "now": whatever changed between the
      // pages' last fetch and this moment would never arrive, so the job views fetch once more.
      // Nor would the echoes of moves made before it: they must not hold later events back.
      if (!this.lastId) {
        void this.client.invalidateQueries({ queryKey: jobKeys.all });
        localMoves(this.client).clear();
      }
    };
    source.onerror = () => {
      if (source !== this.source) return;
      setStreamStatus("down");
      if (source.readyState !== CLOSED) return; // the browser is reconnecting
      source.close();
      this.source = null;
      this.timer = setTimeout(() => {
        this.timer = null;
        this.open();
      }, reopenDelay(this.failures++));
    };
    const onEvent = (event: MessageEvent<string>) => {
      if (event.lastEventId) this.lastId = event.lastEventId;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      applyEvent(this.client, this.later, this.pending, event.type, data);
    };
    for (const type of EVENT_TYPES) source.addEventListener(type, onEvent as EventListener);
  }
}

/** Keep the stream open while the signed-in shell is mounted (signing out unmounts it). */
export function useLiveEvents() {
  const client = useQueryClient();
  useEffect(() => {
    if (typeof EventSource === "undefined") return; // polling it is
    const live = new LiveEvents(client);
    live.start();
    return () => live.stop();
  }, [client]);
}
