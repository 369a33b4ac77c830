// The ETA the platform gives (`eta_seconds`: seconds until the result, as of the answer) counts
// down on screen between polls, so a waiting user sees time pass instead of a number that jumps
// every few seconds. Never below zero: at zero the label says "almost there".
import { useEffect, useState } from "react";

/** Seconds left now, from an ETA measured at `fetchedAt` (ms since the epoch). */
export function etaRemaining(etaSeconds: number, fetchedAt: number, now: number): number {
  const elapsed = Math.max(0, (now - fetchedAt) / 1000);
  return Math.max(0, Math.ceil(etaSeconds - elapsed));
}

/**
 * The remaining seconds, re-rendered every second; `null` when there is no ETA. `fetchedAt` is
 * when the ETA was read (a query's `dataUpdatedAt`): a fresh poll restarts the count.
 */
export function useEtaCountdown(etaSeconds: number | null | undefined, fetchedAt: number): number | null {
  const [now, setNow] = useState(() => Date.now());
  const hasEta = etaSeconds != null;
  useEffect(() => {
    if (!hasEta) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1_000);
    return () => window.clearInterval(timer);
  }, [hasEta, fetchedAt]);
  if (etaSeconds == null) return null;
  return etaRemaining(etaSeconds, fetchedAt, Math.max(now, fetchedAt));
}
