// The gallery and the trash: own images (cursor pages, newest first), uploads and URL imports,
// moves to and from the trash in batches, emptying the trash, and the storage usage.
import { useInfiniteQuery, useQuery, type InfiniteData, type QueryClient } from "@tanstack/react-query";

import { api, qs, upload, type UploadProgress } from "./client";
import type { components } from "./schema";
import type { BulkResult, GalleryImage, GalleryImagePage, StorageUsage } from "./types";

export type PurgeResult = components["schemas"]["PurgeResult"];
export type ImageState = "active" | "trash";
export type ImageSource = GalleryImage["source"];
export const IMAGE_SOURCES: ImageSource[] = ["ppl", "goods", "edit", "upload", "import", "page"];

/** Filters as the page URL and the API spell them (dates are YYYY-MM-DD, both ends inclusive). */
export type ImageFilters = { source?: ImageSource; from_date?: string; to_date?: string };

/** The API takes at most this many ids per bulk call. */
export const MAX_BULK_IDS = 500;
/** About two screens of tiles on a desktop: the next page is asked for only near the end. */
export const PAGE_SIZE = 60;

export const IMAGES_KEY = ["images"] as const;
export const USAGE_KEY = ["images-usage"] as const;
export function imagesKey(state: ImageState, filters: ImageFilters = {}) {
  return [...IMAGES_KEY, state, filters] as const;
}

export type ImagePages = InfiniteData<GalleryImagePage>;

export function useImages(state: ImageState, filters: ImageFilters = {}) {
  return useInfiniteQuery({
    queryKey: imagesKey(state, filters),
    queryFn: ({ pageParam, signal }) =>
      api.get<GalleryImagePage>(
        `/api/v1/images${qs({ state, size: PAGE_SIZE, cursor: pageParam, ...filters })}`,
        { signal },
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.has_next ? last.next_cursor : undefined),
    // Refetching an infinite list asks for every loaded page again (dozens after a long scroll):
    // not on every return to the tab, only when the page mounts or the list was changed.
    refetchOnWindowFocus: false,
  });
}

export function useUsage() {
  return useQuery({
    queryKey: USAGE_KEY,
    queryFn: ({ signal }) => api.get<StorageUsage>("/api/v1/images/usage", { signal }),
    staleTime: 10_000,
  });
}

export function chunk<T>(items: readonly T[], size: number = MAX_BULK_IDS): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

// ---- This tab's own moves, and the live events that echo them ----

export type MoveKind = "trashed" | "restored";
type Move = { kind: MoveKind; at: number };

/** A move whose echo never came (a stream that was down too long) stops holding events back. */
const MOVE_ECHO_WAIT_MS = 60_000;

/**
 * Moves this tab made whose own live event (image.trashed / image.restored) has not come back.
 * The stream delivers events in the server's order, so an event for an image that arrives while
 * one of its moves is still unechoed happened before that move: the lists (which show the move
 * already) are newer than the event, and it must not patch them. A trash's event arriving after
 * its undo was answered would otherwise take the restored tiles out, with their selection.
 */
export class LocalMoves {
  private readonly awaiting = new Map<string, Move[]>();

  /** Before a batch is sent: its echo (one event for the batch's changed ids) is due. */
  expect(ids: readonly string[], kind: MoveKind): Move {
    const move: Move = { kind, at: Date.now() };
    for (const id of ids) this.awaiting.set(id, [...(this.awaiting.get(id) ?? []), move]);
    return move;
  }

  /** The batch's answer (or failure): ids it did not change get no echo. */
  settle(move: Move, ids: readonly string[], changed: readonly string[] = []) {
    const echoed = new Set(changed);
    for (const id of ids) if (!echoed.has(id)) this.drop(id, move);
  }

  /** An event moved this image: true when it may patch the caches. */
  admit(id: string, kind: MoveKind): boolean {
    const queue = this.awaiting.get(id);
    if (!queue) return true;
    const fresh = queue.filter((move) => Date.now() - move.at < MOVE_ECHO_WAIT_MS);
    if (fresh[0]?.kind === kind) fresh.shift(); // the echo of the oldest unechoed move
    if (fresh.length) this.awaiting.set(id, fresh);
    else this.awaiting.delete(id);
    return fresh.length === 0;
  }

  /** Gone for good (image.deleted): nothing to wait for. */
  forget(ids: Iterable<string>) {
    for (const id of ids) this.awaiting.delete(id);
  }

  /** The stream starts over (a reset, or no id to resume from): echoes due may never come. */
  clear() {
    this.awaiting.clear();
  }

  private drop(id: string, move: Move) {
    const queue = this.awaiting.get(id)?.filter((item) => item !== move);
    if (queue?.length) this.awaiting.set(id, queue);
    else this.awaiting.delete(id);
  }
}

const movesByClient = new WeakMap<QueryClient, LocalMoves>();

/** The moves of the tab whose caches `client` holds (shared by the actions and the stream). */
export function localMoves(client: QueryClient): LocalMoves {
  let moves = movesByClient.get(client);
  if (!moves) movesByClient.set(client, (moves = new LocalMoves()));
  return moves;
}

/** The summed answers of the batches, the ids of batches never sent, and why they were not. */
export type BulkOutcome = BulkResult & { notAttempted: string[]; error: unknown };

/**
 * Move images to the trash ("delete") or back ("restore"), ≤ 500 ids per call, one call at a
 * time. When a later batch fails, what the earlier ones did is still reported (with the error);
 * when the first one fails, the error is thrown.
 */
export async function changeImages(
  action: "delete" | "restore",
  ids: readonly string[],
  moves?: LocalMoves,
): Promise<BulkOutcome> {
  const total: BulkOutcome = { changed: [], unchanged: [], not_found: [], notAttempted: [], error: null };
  const batches = chunk(ids);
  for (const [index, batch] of batches.entries()) {
    let result: BulkResult;
    // Registered before the call: the echo may come down the stream before the answer does.
    const move = moves?.expect(batch, action === "delete" ? "trashed" : "restored");
    try {
      result = await api.post<BulkResult>(`/api/v1/images/${action}`, { ids: batch });
      if (move) moves?.settle(move, batch, result.changed);
    } catch (error) {
      if (move) moves?.settle(move, batch);
      if (index === 0) throw error;
      total.notAttempted = batches.slice(index).flat();
      total.error = error;
      return total;
    }
    total.changed.push(...result.changed);
    total.unchanged.push(...result.unchanged);
    total.not_found.push(...result.not_found);
  }
  return total;
}

/** Bound on follow-up calls when the server's time budget runs out before the trash is empty. */
const MAX_PURGE_ROUNDS = 10;

function addPurge(total: PurgeResult | null, result: PurgeResult): PurgeResult {
  if (!total) return { ...result, files_remaining: [...result.files_remaining] };
  return {
    dry_run: false,
    images: total.images + result.images,
    bytes: total.bytes + result.bytes,
    files_deleted: total.files_deleted + result.files_deleted,
    verified: total.verified === false || result.verified === false ? false : result.verified ?? total.verified,
    files_remaining: [...total.files_remaining, ...result.files_remaining],
    complete: result.complete,
    message: result.message,
  };
}

/**
 * Delete for good: the given ids (in batches), or the whole trash. A call that ran out of time
 * (`complete: false`) is repeated, so one click empties a big trash; the answers are summed.
 */
export async function purgeTrash(ids?: readonly string[]): Promise<PurgeResult> {
  let total: PurgeResult | null = null;
  const batches: (string[] | undefined)[] = ids ? chunk(ids) : [undefined];
  for (const batch of batches) {
    for (let round = 0; round < MAX_PURGE_ROUNDS; round += 1) {
      const result: PurgeResult = await api.post<PurgeResult>("/api/v1/images/trash/empty", batch ? { ids: batch } : {});
      total = addPurge(total, result);
      if (result.complete || result.images === 0) break;
    }
  }
  return total ?? { dry_run: false, images: 0, bytes: 0, files_deleted: 0, verified: true, files_remaining: [], complete: true, message: "" };
}

export function uploadImage(file: File, onProgress?: (progress: UploadProgress) => void, signal?: AbortSignal) {
  const form = new FormData();
  form.append("image", file, file.name);
  return upload<GalleryImage>("/api/v1/images/upload", form, { onProgress, signal });
}

export function importImage(url: string) {
  return api.post<GalleryImage>("/api/v1/images/import", { url });
}

/**
 * Take images out of every loaded list at once (after a move or a purge), without refetching
 * pages the user scrolled through; the lists are marked stale so their next visit refetches.
 */
export function removeFromLists(client: QueryClient, ids: ReadonlySet<string>): void {
  client.setQueriesData<ImagePages>({ queryKey: IMAGES_KEY }, (data) => {
    if (!data) return data;
    return {
      ...data,
      pages: data.pages.map((page) => ({ ...page, results: page.results.filter((image) => !ids.has(image.id)) })),
    };
  });
  void client.invalidateQueries({ queryKey: IMAGES_KEY, refetchType: "none" });
  void client.invalidateQueries({ queryKey: USAGE_KEY });
}

/** Every image of an infinite list, in order. */
export function flattenPages(data: ImagePages | undefined): GalleryImage[] {
  return data ? data.pages.flatMap((page) => page.results) : [];
}
