// Pieces every view of a job shares (the history rows, the job page, the queue drawer): its kind
// and status in words, the progress bar with queue position, ETA and waiting reason, a thumbnail.
import { isJobActive, jobThumbnail, type Job, type JobKind, type JobStatus } from "../../api/jobs";
import { ProgressBar } from "../../components/ProgressBar";
import { useI18n } from "../../i18n";
import { useEtaCountdown } from "../../lib/eta";
import styles from "./jobParts.module.css";

export function useJobWords() {
  const { t } = useI18n();
  return {
    kind: (kind: JobKind | string) => t(`jobs.kind.${kind}`),
    status: (status: JobStatus | string) => t(`jobs.status.${status}`),
    reason: (reason: string | null | undefined) => (reason ? t(`jobs.reason.${reason}`) : ""),
  };
}

export function StatusPill({ status }: { status: JobStatus }) {
  const words = useJobWords();
  return <span className={`pill pill-${status}`}>{words.status(status)}</span>;
}

/** "약 1분 5초 남음", counting down between polls; "곧 시작" at zero. */
export function EtaText({ job, fetchedAt }: { job: Job; fetchedAt: number }) {
  const { t, formatDuration } = useI18n();
  const remaining = useEtaCountdown(isJobActive(job) ? job.eta_seconds : null, fetchedAt);
  if (remaining == null) return null;
  const text = remaining > 0
    ? t("jobs.eta.left", { time: formatDuration(remaining) })
    : t(job.status === "running" ? "jobs.eta.zeroRunning" : "jobs.eta.zeroQueued");
  // Not a live region: a countdown announced every second would drown everything else.
  return <span className={styles.eta}>{text}</span>;
}

/**
 * What a waiting or running job is doing. A running job has a bar with spoken text; a waiting one
 * has none (a partly filled bar beside a running job at 0 % reads as progress) but a muted striped
 * track, then its place in line, ETA and the reason it waits as text.
 */
export function JobProgress({ job, fetchedAt, compact = false }: { job: Job; fetchedAt: number; compact?: boolean }) {
  const { t } = useI18n();
  const words = useJobWords();
  const waiting = job.status === "queued";
  const position = waiting && job.queue_position ? t("jobs.position", { n: job.queue_position }) : null;
  const reason = waiting ? words.reason(job.waiting_reason) : "";
  return (
    <div className={styles.progress}>
      {waiting ? (
        <div className={styles.waitTrack} aria-hidden="true" />
      ) : (
        <ProgressBar
          value={job.progress}
          label={t("jobs.progressOf", { kind: words.kind(job.kind) })}
          valueText={t("jobs.progressText", { percent: job.progress, status: words.status(job.status) })}
        />
      )}
      <div className={styles.facts}>
        {position ? (
          <span className={styles.position}>{position}</span>
        ) : (
          <span>{job.status === "running" ? `${job.progress}%` : words.status(job.status)}</span>
        )}
        <EtaText job={job} fetchedAt={fetchedAt} />
      </div>
      {reason && <p className={compact ? `${styles.reason} ${styles.compact}` : styles.reason}>{reason}</p>}
    </div>
  );
}

export function JobThumb({ job, size = 56 }: { job: Job; size?: number }) {
  const { t } = useI18n();
  const words = useJobWords();
  const src = jobThumbnail(job);
  const box = { width: size, height: size };
  if (!src) {
    return (
      <span className={styles.noThumb} style={box} role="img" aria-label={t("jobs.noThumb")}>
        <KindIcon kind={job.kind} />
      </span>
    );
  }
  return (
    <img className={styles.thumb} style={box} src={src} alt={t("jobs.thumbAlt", { kind: words.kind(job.kind) })}
      loading="lazy" decoding="async" width={size} height={size} />
  );
}

function KindIcon({ kind }: { kind: string }) {
  const paths: Record<string, string> = {
    ppl: "M4 18l5-6 4 4 3-3 4 5H4zM8 8a2 2 0 1 0 0-.01",
    goods: "M6 6h9v3a4 4 0 0 1-4 4H10a4 4 0 0 1-4-4V6zm9 1h2a2 2 0 0 1 0 4h-2M7 18h8",
    edit: "M4 20l4-1 10-10-3-3L5 16l-1 4zM14 7l3 3",
    page: "M6 3h9l4 4v14H6V3zm9 0v4h4M9 11h7M9 15h7",
  };
  return (
    <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
      <path d={paths[kind] ?? paths.ppl} fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" strokeLinecap="round" />
    </svg>
  );
}
