// Whether the live event stream (events.ts) is open. The polling intervals (jobs.ts) and the queue
// drawer's indicator read it; a module of its own so jobs.ts and events.ts need not import each other.
import { useSyncExternalStore } from "react";

/** off: signed out; connecting: the first attempt; live: open; down: lost, being re-opened. */
export type StreamStatus = "off" | "connecting" | "live" | "down";

let status: StreamStatus = "off";
const listeners = new Set<() => void>();

export function setStreamStatus(next: StreamStatus): void {
  if (next === status) return;
  status = next;
  for (const listener of listeners) listener();
}

export function streamStatus(): StreamStatus {
  return status;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useStreamStatus(): StreamStatus {
  return useSyncExternalStore(subscribe, streamStatus);
}

/** While events arrive, polling is only a safety net against a stream that hangs silently. */
export function useStreamLive(): boolean {
  return useStreamStatus() === "live";
}
