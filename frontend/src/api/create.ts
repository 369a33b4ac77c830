// What the create pages send and read: preflight, the four job-creating POSTs (with an
// Idempotency-Key and, for files, upload progress), the number of waiting jobs (for "submit when
// a place frees up"), an earlier job's inputs as files ("설정 불러오기"), the catalogue for the
// page wizard, gallery pages for the edit picker, and putting an edited image into a page block.
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";

import { api, ApiError, qs, upload, type UploadProgress } from "./client";
import type { Job, JobInput, JobPage } from "./jobs";
import type { Category, GalleryImage, GalleryImagePage, TemplateListItem, TemplateSet } from "./types";

export type CreateKind = "ppl" | "goods" | "edit" | "page";

export const CREATE_PATHS: Record<CreateKind, string> = {
  ppl: "/api/v1/jobs/ppl",
  goods: "/api/v1/jobs/goods",
  edit: "/api/v1/jobs/edit",
  page: "/api/v1/jobs/product-page",
};

export type PreflightReason = { code: string; message: string };
export type PreflightAnswer = {
  ok: boolean;
  kind: string;
  provider: string;
  message: string | null;
  reasons: PreflightReason[];
};

/** Can this kind of job be submitted now? `ok: false` comes with reasons (200 either way). */
export function fetchPreflight(kind: CreateKind, signal?: AbortSignal): Promise<PreflightAnswer> {
  return api.get<PreflightAnswer>(`/api/v1/preflight${qs({ kind })}`, { signal });
}

// Reasons the POST itself answers better (with its figures and its own screen): a full queue
// (429 with limit/waiting → "submit when a place frees up") and a full storage (409 → the quota
// dialog). Preflight only blocks on the others: workers or provider down, and the like.
const ANSWERED_BY_SUBMIT = new Set(["queue_full", "storage_quota_exceeded"]);
export function blockingReasons(answer: PreflightAnswer): PreflightReason[] {
  if (answer.ok) return [];
  const reasons = answer.reasons.length ? answer.reasons : [{ code: "unknown", message: answer.message ?? "" }];
  return reasons.filter((reason) => !ANSWERED_BY_SUBMIT.has(reason.code));
}

export type SubmitBody = { form: FormData } | { json: Record<string, unknown> };

/** POST one job. The same `key` for the same intent: a repeat returns the first job. */
export function sendJob(
  kind: CreateKind,
  body: SubmitBody,
  options: { key: string; onProgress?: (progress: UploadProgress) => void; signal?: AbortSignal },
): Promise<Job> {
  const headers = { "Idempotency-Key": options.key };
  if ("form" in body) {
    return upload<Job>(CREATE_PATHS[kind], body.form, { headers, onProgress: options.onProgress, signal: options.signal });
  }
  return api.post<Job>(CREATE_PATHS[kind], body.json, { headers, signal: options.signal });
}

export type QueueCounts = { waiting: number; running: number };

/** How many of the caller's jobs wait and run (at most 100 of them). */
export async function countActiveJobs(signal?: AbortSignal): Promise<QueueCounts> {
  const page = await api.get<JobPage>(`/api/v1/jobs${qs({ status: "queued,running", size: 100 })}`, { signal });
  const waiting = page.results.filter((job) => job.status === "queued").length;
  return { waiting, running: page.results.length - waiting };
}

/**
 * Would a new job be accepted? The platform's rule (generation.services.jobs.QueueUsage): yes
 * while a running place is free, or while fewer than `limit` jobs wait beyond the running ones.
 */
export function queueHasRoom(counts: QueueCounts, limits: { limit: number; maxConcurrent: number | null }): boolean {
  const freePlace = limits.maxConcurrent != null && counts.waiting + counts.running < limits.maxConcurrent;
  return freePlace || counts.waiting < limits.limit;
}

export function fetchJob(id: string, signal?: AbortSignal): Promise<Job> {
  return api.get<Job>(`/api/v1/jobs/${encodeURIComponent(id)}`, { signal });
}

const EXTENSIONS: Record<string, string> = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp" };

/** An earlier job's input image as a File (to refill a drop zone). */
export async function fetchInputFile(input: JobInput, signal?: AbortSignal): Promise<File> {
  if (!input.url) {
    // Removed after the retention period: nothing left to refill the drop zone with.
    throw new ApiError(409, { code: "job_inputs_expired", message: "inputs expired" }, null, null);
  }
  let response: Response;
  try {
    response = await fetch(input.url, { credentials: "same-origin", signal });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, { code: "network_error", message: "network error" }, null, null);
  }
  if (!response.ok) {
    throw new ApiError(response.status, { code: `http_${response.status}`, message: response.statusText }, null, null);
  }
  const type = (response.headers.get("Content-Type") ?? "").split(";")[0].trim() || "image/png";
  const bytes = await response.arrayBuffer();
  return new File([bytes], `${input.role}.${EXTENSIONS[type] ?? "png"}`, { type });
}

// --- the page wizard's catalogue ---------------------------------------------------------------

type Envelope<T> = { results: T[]; has_next: boolean; next_cursor: string | null };

/** Every row of a catalogue list (they are short; paged by 100 all the same). */
async function all<T>(path: string, params: Record<string, string | number | undefined>, signal?: AbortSignal): Promise<T[]> {
  const rows: T[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 20; guard += 1) {
    const page: Envelope<T> = await api.get<Envelope<T>>(`${path}${qs({ ...params, size: 100, cursor })}`, { signal });
    rows.push(...page.results);
    if (!page.has_next || !page.next_cursor) break;
    cursor = page.next_cursor;
  }
  return rows;
}

export function useCategories() {
  return useQuery<Category[], ApiError>({
    queryKey: ["catalogue", "categories"],
    queryFn: ({ signal }) => all<Category>("/api/v1/categories", {}, signal),
    staleTime: 60_000,
  });
}

export function useTemplateSets(categoryId: number | null) {
  return useQuery<TemplateSet[], ApiError>({
    queryKey: ["catalogue", "sets", categoryId],
    queryFn: ({ signal }) => all<TemplateSet>("/api/v1/template-sets", { category: categoryId! }, signal),
    enabled: categoryId != null,
    staleTime: 60_000,
  });
}

export function useCategoryTemplates(categoryId: number | null) {
  return useQuery<TemplateListItem[], ApiError>({
    queryKey: ["catalogue", "templates", categoryId],
    queryFn: ({ signal }) => all<TemplateListItem>(`/api/v1/categories/${categoryId}/templates`, {}, signal),
    enabled: categoryId != null,
    staleTime: 60_000,
  });
}

/** A template set rendered with sample content (HTML, shown in a sandboxed iframe). */
export function useTemplateSetPreview(setId: number | null) {
  return useQuery<string, ApiError>({
    queryKey: ["catalogue", "set-preview", setId],
    queryFn: ({ signal }) =>
      // Accept stays application/json (DRF negotiates before the view); the answer is HTML all the same.
      api.get<string>(`/api/v1/template-sets/${setId}/preview`, { signal }),
    enabled: setId != null,
    staleTime: 60_000,
  });
}

// --- the edit page ----------------------------------------------------------------------------

/** The caller's gallery, 50 at a time, newest first (cursor paging). */
export function useGalleryPage(enabled: boolean) {
  return useInfiniteQuery<GalleryImagePage, ApiError, { pages: GalleryImagePage[] }, string[], string | null>({
    queryKey: ["gallery", "picker"],
    queryFn: ({ pageParam, signal }) =>
      api.get<GalleryImagePage>(`/api/v1/images${qs({ size: 50, cursor: pageParam })}`, { signal }),
    initialPageParam: null,
    getNextPageParam: (last) => (last.has_next ? last.next_cursor : undefined),
    enabled,
  });
}

export function fetchGalleryImage(id: string, signal?: AbortSignal): Promise<GalleryImage> {
  return api.get<GalleryImage>(`/api/v1/images/${encodeURIComponent(id)}`, { signal });
}

/** Put `imageId` into block `index` of page `pageId` (after an edit made for that block). */
export function applyImageToBlock(pageId: string, index: number, imageId: string): Promise<unknown> {
  return api.post(`/api/v1/pages/${encodeURIComponent(pageId)}/blocks/${index}/image`, { image_id: imageId });
}
