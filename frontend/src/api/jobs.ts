// Jobs through TanStack Query: one job (polled while it runs), the history (cursor paging), the
// active ones (the header badge and the queue drawer), the recently finished ones, and the
// actions (cancel, bulk cancel, retry). Every page that shows jobs uses these hooks, so the cache
// keys and the polling rules live in one place. While the live event stream is open (events.ts
// patches these caches as jobs change), polling slows down to a safety net.
import {
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
} from "@tanstack/react-query";
import { useEffect, useRef } from "react";

import { api, ApiError, idempotencyKey, qs } from "./client";
import { IMAGES_KEY, USAGE_KEY } from "./gallery";
import { useStreamLive } from "./liveStatus";
import type { Job as GeneratedJob, JobStatus } from "./types";

export type { JobKind, JobStatus } from "./types";

export type WaitingReason = "user_concurrency" | "provider_capacity" | "queue" | "provider_unavailable";

export type JobInput = {
  role: string;
  image_id?: string | null;
  /** null once the job's inputs expired (JOB_INPUT_RETENTION_DAYS). */
  url: string | null;
  thumbnail_url?: string | null;
  width?: number | null;
  height?: number | null;
};

export type JobResultImage = {
  id: string;
  url: string;
  thumbnail_url?: string | null;
  width: number;
  height: number;
  format: string;
};

export type JobResultPage = { id: string; html_url: string; blocks: Record<string, unknown>[] };

/**
 * The job JSON the pages read: the generated schema type plus what issue 10 adds (`inputs`,
 * result thumbnails, the request id), so the app keeps compiling before and after the schema
 * is regenerated.
 */
export type Job = Omit<GeneratedJob, "waiting_reason" | "result" | "inputs" | "request_id"> & {
  waiting_reason: WaitingReason | null;
  result: { images: JobResultImage[]; page?: JobResultPage | null } | null;
  inputs?: JobInput[];
  request_id?: string | null;
};

export type JobPage = {
  results: Job[];
  page: number;
  size: number;
  has_next: boolean;
  next_cursor: string | null;
};

export type JobFilters = { status?: string | null; kind?: string | null; size?: number };

export type BulkCancelInput = { ids: string[] } | { status: "queued" };
/** The platform answers the ids in each group; `bulkCount` reads a group as a number either way. */
export type BulkCancelResult = { changed: string[] | number; unchanged: string[] | number; not_found: string[] | number };

export function bulkCount(group: string[] | number | undefined): number {
  return Array.isArray(group) ? group.length : group ?? 0;
}

export const ACTIVE: readonly JobStatus[] = ["queued", "running"];
export const FINISHED: readonly JobStatus[] = ["succeeded", "failed", "canceled", "timed_out"];

export function isJobActive(job: Pick<Job, "status">): boolean {
  return job.status === "queued" || job.status === "running";
}

export const jobKeys = {
  all: ["jobs"] as const,
  detail: (id: string) => ["jobs", "detail", id] as const,
  lists: () => ["jobs", "list"] as const,
  list: (filters: JobFilters) => ["jobs", "list", filters] as const,
  active: () => ["jobs", "active"] as const,
  recent: () => ["jobs", "recent"] as const,
};

/** After any change to jobs (a submit, a cancel, a retry): every job query refetches. */
export function invalidateJobs(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ queryKey: jobKeys.all });
}

const MAX_BACKOFF_MS = 30_000;

/** The normal interval, doubled for each failed fetch in a row (server down: poll less). */
export function backoff(intervalMs: number, failures: number): number {
  return Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** Math.min(failures, 5));
}

/** Failed fetches in a row (TanStack resets the count on success). */
function failures(query: { state: { status: string; fetchFailureCount: number } }): number {
  if (query.state.fetchFailureCount > 0) return query.state.fetchFailureCount;
  return query.state.status === "error" ? 1 : 0;
}

/** The poll while the event stream is live: only a net for a stream that went quiet unnoticed. */
export const LIVE_POLL_MS = 45_000;

/** How often to poll one job: ~1 s running, ~2 s waiting, never once it has finished. */
export function jobPollInterval(job: Pick<Job, "status"> | undefined, live = false): number | false {
  if (job && !isJobActive(job)) return false;
  if (live) return LIVE_POLL_MS;
  return job?.status === "running" ? 1_000 : 2_000;
}

export function useJob(id: string | undefined) {
  // A change of the stream's state re-renders, and TanStack re-reads the interval at once.
  const live = useStreamLive();
  return useQuery<Job, ApiError>({
    queryKey: jobKeys.detail(id ?? ""),
    queryFn: ({ signal }) => api.get<Job>(`/api/v1/jobs/${encodeURIComponent(id!)}`, { signal }),
    enabled: Boolean(id),
    refetchInterval: (query) => {
      if (query.state.error instanceof ApiError && query.state.error.status === 404) return false;
      const base = jobPollInterval(query.state.data, live);
      return base === false ? false : backoff(base, failures(query));
    },
    refetchIntervalInBackground: false,
    // A 404 is an answer (unknown id or another user's job): no retries.
    retry: (count, error) => (error.status === 0 || error.status >= 500) && count < 2,
  });
}

function listPath(filters: JobFilters, cursor: string | null, page: number): string {
  return `/api/v1/jobs${qs({
    status: filters.status,
    kind: filters.kind,
    size: filters.size ?? 20,
    cursor: cursor ?? undefined,
    page: cursor ? undefined : page > 1 ? page : undefined,
  })}`;
}

type PageParam = { cursor: string | null; page: number };

/** The history, newest first, a page at a time (`fetchNextPage()` for "more"). */
export function useJobs(filters: JobFilters = {}) {
  const live = useStreamLive();
  return useInfiniteQuery<JobPage, ApiError, { pages: JobPage[] }, ReturnType<typeof jobKeys.list>, PageParam>({
    queryKey: jobKeys.list(filters),
    queryFn: ({ pageParam, signal }) => api.get<JobPage>(listPath(filters, pageParam.cursor, pageParam.page), { signal }),
    initialPageParam: { cursor: null, page: 1 },
    getNextPageParam: (last) =>
      last.has_next ? { cursor: last.next_cursor, page: last.page + 1 } : undefined,
    // Rows of waiting or running jobs move: refresh while any is on screen.
    refetchInterval: (query) => {
      const anyActive = query.state.data?.pages.some((p) => p.results.some(isJobActive));
      return anyActive ? backoff(live ? LIVE_POLL_MS : 3_000, failures(query)) : false;
    },
    refetchIntervalInBackground: false,
  });
}

/**
 * The caller's waiting and running jobs (at most 100), oldest first so the drawer reads like
 * the queue. When one leaves the set (it finished), the history, the recent list, that job's
 * page and the gallery are refreshed (while the stream is live, its events do that instead).
 */
export function useActiveJobs() {
  const client = useQueryClient();
  const live = useStreamLive();
  const query = useQuery<Job[], ApiError>({
    queryKey: jobKeys.active(),
    queryFn: async ({ signal }) => {
      const page = await api.get<JobPage>(`/api/v1/jobs${qs({ status: ACTIVE.join(","), size: 100 })}`, { signal });
      return [...page.results].sort((a, b) => a.created_at.localeCompare(b.created_at));
    },
    refetchInterval: (q) => backoff(live ? LIVE_POLL_MS : q.state.data?.length ? 1_500 : 10_000, failures(q)),
    refetchIntervalInBackground: false,
    staleTime: 1_000,
  });

  const previous = useRef<Set<string> | null>(null);
  useEffect(() => {
    if (!query.data) return;
    const now = new Set(query.data.map((job) => job.id));
    const before = previous.current;
    previous.current = now;
    if (!before || live) return;
    const gone = [...before].filter((id) => !now.has(id));
    const arrived = [...now].some((id) => !before.has(id));
    if (gone.length === 0 && !arrived) return;
    for (const id of gone) void client.invalidateQueries({ queryKey: jobKeys.detail(id) });
    void client.invalidateQueries({ queryKey: jobKeys.lists() });
    void client.invalidateQueries({ queryKey: jobKeys.recent() });
    if (gone.length) {
      // Finished jobs put images in the gallery and use storage.
      void client.invalidateQueries({ queryKey: [...IMAGES_KEY, "active"] });
      void client.invalidateQueries({ queryKey: USAGE_KEY });
      void client.invalidateQueries({ queryKey: ["gallery"] });
    }
  }, [query.data, client, live]);

  return query;
}

/** The last few finished jobs (the drawer's "recently finished"). */
export function useRecentJobs(size = 5) {
  return useQuery<Job[], ApiError>({
    queryKey: [...jobKeys.recent(), size],
    queryFn: async ({ signal }) =>
      (await api.get<JobPage>(`/api/v1/jobs${qs({ status: FINISHED.join(","), size })}`, { signal })).results,
    staleTime: 15_000,
  });
}

/** Put a job's fresh JSON where every view of it reads from. */
function storeJob(client: QueryClient, job: Job) {
  client.setQueryData(jobKeys.detail(job.id), job);
  client.setQueryData<Job[]>(jobKeys.active(), (jobs) =>
    jobs?.flatMap((j) => (j.id !== job.id ? [j] : isJobActive(job) ? [job] : [])));
}

export function useCancelJob() {
  const client = useQueryClient();
  return useMutation<Job, ApiError, string>({
    mutationFn: (id) => api.post<Job>(`/api/v1/jobs/${encodeURIComponent(id)}/cancel`),
    onSuccess: (job) => storeJob(client, job),
    onSettled: () => void invalidateJobs(client), // not awaited: the caller hears back at once
  });
}

/** `{ids}` or `{status: "queued"}` (every waiting job; running ones stay). */
export function useBulkCancel() {
  const client = useQueryClient();
  return useMutation<BulkCancelResult, ApiError, BulkCancelInput>({
    mutationFn: (body) => api.post<BulkCancelResult>("/api/v1/jobs/cancel", body),
    onSettled: () => void invalidateJobs(client), // not awaited: the caller hears back at once
  });
}

export type RetryInput = {
  id: string;
  /** Changed parameters, sent as the JSON body (e.g. `{prompt}`); empty: the same inputs. */
  params?: Record<string, unknown>;
  /** One key per user intent, so a double click or a network retry makes one job. */
  idempotencyKey?: string;
};

export function useRetryJob() {
  const client = useQueryClient();
  return useMutation<Job, ApiError, RetryInput>({
    mutationFn: ({ id, params, idempotencyKey: key }) =>
      api.post<Job>(`/api/v1/jobs/${encodeURIComponent(id)}/retry`, params ?? {}, {
        headers: { "Idempotency-Key": key ?? idempotencyKey() },
      }),
    onSuccess: (job) => storeJob(client, job),
    onSettled: () => void invalidateJobs(client), // not awaited: the caller hears back at once
  });
}

/** The picture that stands for a job: its first result's thumbnail, else its first input's. */
export function jobThumbnail(job: Job): string | null {
  const image = job.result?.images?.[0];
  if (image) return image.thumbnail_url || image.url;
  const input = job.inputs?.[0];
  return input ? input.thumbnail_url || input.url : null;
}
