// The queue drawer: a side panel on the native <dialog> (showModal keeps focus inside and makes
// the page behind inert; Escape closes it). Active jobs with progress, position, ETA and the
// reason they wait, each with 취소; the last few finished ones; 대기 작업 모두 취소. A small mark
// says whether it follows the live event stream (실시간) or polls (새로고침 중).
import { useEffect, useId, useRef, useState } from "react";
import { Link } from "react-router";

import {
  bulkCount,
  isJobActive,
  useActiveJobs,
  useBulkCancel,
  useCancelJob,
  useRecentJobs,
  type Job,
} from "../api/jobs";
import { errorMessage } from "../api/errors";
import { useStreamStatus } from "../api/liveStatus";
import { ConfirmDialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { Skeleton } from "../components/Skeleton";
import { useToasts } from "../components/Toast";
import { useI18n } from "../i18n";
import { JobProgress, JobThumb, StatusPill, useJobWords } from "../pages/jobs/jobParts";
import styles from "./QueuePanel.module.css";
import { useQueueDrawer } from "./queueDrawer";

export function QueuePanel() {
  const drawer = useQueueDrawer();
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (drawer.isOpen && !dialog.open) {
      const opener = document.activeElement as HTMLElement | null;
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
      return () => opener?.focus?.();
    }
    if (!drawer.isOpen && dialog.open) {
      if (typeof dialog.close === "function") dialog.close();
      else dialog.removeAttribute("open");
    }
  }, [drawer.isOpen]);

  return (
    <dialog
      ref={ref}
      className={styles.drawer}
      aria-labelledby={titleId}
      // React passes a nested dialog's cancel/close events up to this one: only our own count.
      onCancel={(event) => {
        if (event.target !== event.currentTarget) return;
        event.preventDefault();
        drawer.close();
      }}
      onClose={(event) => {
        if (event.target === event.currentTarget && drawer.isOpen) drawer.close();
      }}
      onClick={(event) => {
        if (event.target === ref.current) drawer.close(); // the backdrop
      }}
    >
      {drawer.isOpen && (
        <div className={styles.panel}>
          <header className={styles.header}>
            <h2 id={titleId} className={styles.title}>{t("shell.queue.title")}</h2>
            <LiveMark />
            <button type="button" className="btn btn-ghost btn-sm" onClick={drawer.close} aria-label={t("common.close")}>
              <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
                <path d="M6 6l12 12M18 6L6 18" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
              </svg>
            </button>
          </header>
          <DrawerContent onNavigate={drawer.close} />
        </div>
      )}
    </dialog>
  );
}

function LiveMark() {
  const { t } = useI18n();
  const status = useStreamStatus();
  if (status === "off" || status === "connecting") return null;
  const live = status === "live";
  return (
    <span className={`${styles.live} ${live ? styles.isLive : ""}`} title={t(live ? "shell.queue.liveHint" : "shell.queue.pollingHint")}>
      <span className={styles.dot} aria-hidden="true" />
      {t(live ? "shell.queue.live" : "shell.queue.polling")}
    </span>
  );
}

function DrawerContent({ onNavigate }: { onNavigate: () => void }) {
  const { t, language } = useI18n();
  const active = useActiveJobs();
  const recent = useRecentJobs(5);
  const bulkCancel = useBulkCancel();
  const toasts = useToasts();
  const [confirming, setConfirming] = useState(false);

  const jobs = active.data ?? [];
  const waiting = jobs.filter((job) => job.status === "queued").length;

  const cancelWaiting = () => {
    bulkCancel.mutate({ status: "queued" }, {
      onSuccess: (result) => {
        setConfirming(false);
        const changed = bulkCount(result.changed);
        toasts.push({
          tone: "success",
          message: changed > 0 ? t("shell.queue.cancelAllDone", { changed }) : t("shell.queue.cancelAllNothing"),
        });
      },
      onError: (error) => {
        setConfirming(false);
        toasts.push({ tone: "error", message: errorMessage(error, language) });
      },
    });
  };

  return (
    <div className={styles.content}>
      <section aria-labelledby="queue-active">
        <div className={styles.sectionHead}>
          <h3 id="queue-active">{t("shell.queue.active", { count: jobs.length })}</h3>
          <button
            type="button"
            className="btn btn-sm"
            disabled={waiting === 0 || bulkCancel.isPending}
            onClick={() => setConfirming(true)}
          >
            {t("shell.queue.cancelAll")}
          </button>
        </div>
        {active.isPending ? (
          <div className={styles.skeletons}><Skeleton height="4.5rem" /><Skeleton height="4.5rem" /></div>
        ) : active.isError && !active.data ? (
          <ErrorNotice error={active.error} onRetry={() => void active.refetch()} />
        ) : jobs.length === 0 ? (
          <p className={styles.none}>{t("shell.queue.none")}</p>
        ) : (
          <ul className={styles.list}>
            {jobs.map((job) => (
              <ActiveRow key={job.id} job={job} fetchedAt={active.dataUpdatedAt} onNavigate={onNavigate} />
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="queue-recent">
        <h3 id="queue-recent">{t("shell.queue.recent")}</h3>
        {recent.isPending ? (
          <Skeleton height="3rem" />
        ) : recent.isError ? (
          <ErrorNotice error={recent.error} onRetry={() => void recent.refetch()} />
        ) : (recent.data ?? []).length === 0 ? (
          <p className={styles.none}>{t("shell.queue.noRecent")}</p>
        ) : (
          <ul className={styles.list}>
            {recent.data!.filter((job) => !isJobActive(job)).map((job) => (
              <RecentRow key={job.id} job={job} onNavigate={onNavigate} />
            ))}
          </ul>
        )}
      </section>

      <Link className={`btn ${styles.all}`} to="/jobs" onClick={onNavigate}>{t("shell.queue.allJobs")}</Link>

      <ConfirmDialog
        open={confirming}
        title={t("shell.queue.cancelAllTitle")}
        confirmLabel={t("shell.queue.cancelAllConfirm", { count: waiting })}
        cancelLabel={t("shell.queue.keep")}
        danger
        busy={bulkCancel.isPending}
        onConfirm={cancelWaiting}
        onClose={() => setConfirming(false)}
      >
        <p>{t("shell.queue.cancelAllBody", { count: waiting })}</p>
      </ConfirmDialog>
    </div>
  );
}

function ActiveRow({ job, fetchedAt, onNavigate }: { job: Job; fetchedAt: number; onNavigate: () => void }) {
  const { t, language } = useI18n();
  const words = useJobWords();
  const cancel = useCancelJob();
  const toasts = useToasts();
  return (
    <li className={styles.item}>
      <JobThumb job={job} size={52} />
      <div className={styles.body}>
        <div className={styles.line}>
          <Link to={`/jobs/${job.id}`} onClick={onNavigate} className={styles.kind}>{words.kind(job.kind)}</Link>
          <StatusPill status={job.status} />
        </div>
        <JobProgress job={job} fetchedAt={fetchedAt} compact />
      </div>
      <button
        type="button"
        className="btn btn-sm"
        disabled={cancel.isPending}
        aria-label={t("shell.queue.cancelJob", { kind: words.kind(job.kind) })}
        onClick={() =>
          cancel.mutate(job.id, {
            onSuccess: () => toasts.push({ message: t("shell.queue.canceled") }),
            onError: (error) => toasts.push({ tone: "error", message: errorMessage(error, language) }),
          })}
      >
        {t("jobs.cancel")}
      </button>
    </li>
  );
}

function RecentRow({ job, onNavigate }: { job: Job; onNavigate: () => void }) {
  const { formatDateTime } = useI18n();
  const words = useJobWords();
  return (
    <li className={styles.item}>
      <JobThumb job={job} size={40} />
      <div className={styles.body}>
        <div className={styles.line}>
          <Link to={`/jobs/${job.id}`} onClick={onNavigate} className={styles.kind}>{words.kind(job.kind)}</Link>
          <StatusPill status={job.status} />
        </div>
        <time className={styles.time} dateTime={job.finished_at ?? job.created_at}>
          {formatDateTime(job.finished_at ?? job.created_at)}
        </time>
      </div>
    </li>
  );
}
