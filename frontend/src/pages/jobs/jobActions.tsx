// 취소 / 다시 실행 / 설정 불러오기, the same on the history and on the job page.
import { useRef } from "react";
import { Link, useNavigate } from "react-router";

import { idempotencyKey } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { isJobActive, useCancelJob, useRetryJob, type Job } from "../../api/jobs";
import { useToasts } from "../../components/Toast";
import { useI18n } from "../../i18n";
import { useQueueDrawer } from "../../shell/queueDrawer";
import { useJobWords } from "./jobParts";

export const CREATE_PATHS: Record<string, string> = {
  ppl: "/create/ppl",
  goods: "/create/goods",
  edit: "/create/edit",
  page: "/create/page",
};

/** The create page of the job's kind, prefilled from this job (F2 reads `?from=<job id>`). */
export function loadSettingsPath(job: Pick<Job, "id" | "kind">): string {
  return `${CREATE_PATHS[job.kind] ?? "/create/ppl"}?from=${encodeURIComponent(job.id)}`;
}

/**
 * Retry with one Idempotency-Key per intent: a double click or a retry of the same request
 * makes one job. The key is renewed once the answer is in, so a later click is a new intent.
 */
export function useRetryAction({ goToNewJob }: { goToNewJob: boolean }) {
  const retry = useRetryJob();
  const key = useRef<string | null>(null);
  const navigate = useNavigate();
  const toasts = useToasts();
  const drawer = useQueueDrawer();
  const { t, language } = useI18n();
  const run = (job: Job, params?: Record<string, unknown>, onDone?: () => void) => {
    key.current ??= idempotencyKey();
    retry.mutate({ id: job.id, params, idempotencyKey: key.current }, {
      onSuccess: (created) => {
        key.current = null;
        onDone?.();
        if (goToNewJob) {
          toasts.push({ tone: "success", message: t("jobs.retriedToast") });
          navigate(`/jobs/${created.id}`);
        } else {
          toasts.push({
            tone: "success",
            message: t("jobs.retriedShort"),
            action: { label: t("jobs.open"), onClick: () => navigate(`/jobs/${created.id}`) },
          });
        }
      },
      onError: (error) => {
        if (error.status > 0 && error.status < 500) key.current = null;
        if (error.code === "queue_full") drawer.open();
        toasts.push({ tone: "error", message: errorMessage(error, language) });
      },
    });
  };
  return { run, isPending: retry.isPending, error: retry.error };
}

export function JobActions({ job, size = "sm", goToNewJob = false }: { job: Job; size?: "sm" | "md"; goToNewJob?: boolean }) {
  const { t, language } = useI18n();
  const words = useJobWords();
  const cancel = useCancelJob();
  const retry = useRetryAction({ goToNewJob });
  const toasts = useToasts();
  const btn = size === "sm" ? "btn btn-sm" : "btn";
  return (
    <div className="row">
      {isJobActive(job) ? (
        <button
          type="button"
          className={btn}
          disabled={cancel.isPending}
          aria-label={t("jobs.cancelOf", { kind: words.kind(job.kind) })}
          onClick={() =>
            cancel.mutate(job.id, {
              onSuccess: () => toasts.push({ message: t("jobs.canceledToast") }),
              onError: (error) => toasts.push({ tone: "error", message: errorMessage(error, language) }),
            })}
        >
          {t("jobs.cancel")}
        </button>
      ) : (
        <button type="button" className={btn} disabled={retry.isPending} onClick={() => retry.run(job)}>
          {t("jobs.retry")}
        </button>
      )}
      <Link className={btn} to={loadSettingsPath(job)}>{t("jobs.loadSettings")}</Link>
    </div>
  );
}
