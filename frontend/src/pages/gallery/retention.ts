// How long an image stays in the trash before the automatic purge deletes it for good.

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whole days left before an image trashed at `deletedAt` is purged: the retention period minus
 * the days since it was deleted (a day that has begun counts as left), never below 0.
 */
export function trashDaysLeft(deletedAt: string | null, retentionDays: number, now: number = Date.now()): number {
  if (!deletedAt) return retentionDays;
  const deleted = Date.parse(deletedAt);
  if (Number.isNaN(deleted)) return retentionDays;
  const daysSince = Math.floor(Math.max(0, now - deleted) / DAY_MS);
  return Math.max(0, retentionDays - daysSince);
}

/** When the purge may take it: `deletedAt` plus the retention period. */
export function trashPurgeAt(deletedAt: string, retentionDays: number): string {
  return new Date(Date.parse(deletedAt) + retentionDays * DAY_MS).toISOString();
}
