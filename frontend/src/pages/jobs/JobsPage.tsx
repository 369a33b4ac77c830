// /jobs: the history, newest first, filtered by status and kind (kept in the URL), a page at a
// time. Rows of active jobs take their figures from the queue drawer's list, which the live event
// stream keeps current (or its poll, while the stream is down).
import { useMemo } from "react";
import { Link, useSearchParams } from "react-router";

import { isJobActive, useActiveJobs, useJobs, type Job } from "../../api/jobs";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Skeleton } from "../../components/Skeleton";
import { useI18n } from "../../i18n";
import { JobActions } from "./jobActions";
import { JobProgress, JobThumb, StatusPill, useJobWords } from "./jobParts";
import styles from "./JobsPage.module.css";

const STATUS_OPTIONS = ["", "queued,running", "queued", "running", "succeeded", "failed", "canceled", "timed_out",
  "succeeded,failed,canceled,timed_out"];
const KIND_OPTIONS = ["", "ppl", "goods", "edit", "page"];

export default function JobsPage() {
  const { t } = useI18n();
  const words = useJobWords();
  const [params, setParams] = useSearchParams();
  const status = STATUS_OPTIONS.includes(params.get("status") ?? "") ? params.get("status") ?? "" : "";
  const kind = KIND_OPTIONS.includes(params.get("kind") ?? "") ? params.get("kind") ?? "" : "";
  const filters = useMemo(() => ({ status: status || null, kind: kind || null }), [status, kind]);
  const jobs = useJobs(filters);
  const active = useActiveJobs();

  const fresh = useMemo(() => new Map((active.data ?? []).map((job) => [job.id, job])), [active.data]);
  const rows: Job[] = (jobs.data?.pages ?? []).flatMap((page) => page.results).map((job) => fresh.get(job.id) ?? job);

  const setFilter = (name: "status" | "kind", value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };

  const statusLabel = (value: string) => {
    if (!value) return t("jobs.filter.all");
    if (value === "queued,running") return t("jobs.filter.active");
    if (value.includes(",")) return t("jobs.filter.finished");
    return words.status(value);
  };

  const filtered = Boolean(status || kind);

  return (
    <div className={styles.page}>
      <div className={styles.head}>
        <h1>{t("jobs.title")}</h1>
        <form className={styles.filters} aria-label={t("jobs.filters")} onSubmit={(event) => event.preventDefault()}>
          <div className={styles.filter}>
            <label htmlFor="jobs-status">{t("jobs.filter.status")}</label>
            <select id="jobs-status" value={status} onChange={(event) => setFilter("status", event.target.value)}>
              {STATUS_OPTIONS.map((value) => <option key={value} value={value}>{statusLabel(value)}</option>)}
            </select>
          </div>
          <div className={styles.filter}>
            <label htmlFor="jobs-kind">{t("jobs.filter.kind")}</label>
            <select id="jobs-kind" value={kind} onChange={(event) => setFilter("kind", event.target.value)}>
              {KIND_OPTIONS.map((value) => (
                <option key={value} value={value}>{value ? words.kind(value) : t("jobs.filter.all")}</option>
              ))}
            </select>
          </div>
        </form>
      </div>

      {jobs.isPending ? (
        <div className={styles.list} role="status" aria-live="polite">
          <span className="visually-hidden">{t("common.loading")}</span>
          {[0, 1, 2, 3].map((i) => <Skeleton key={i} height="5.5rem" radius="var(--radius)" />)}
        </div>
      ) : jobs.isError && rows.length === 0 ? (
        <ErrorNotice error={jobs.error} onRetry={() => void jobs.refetch()} />
      ) : rows.length === 0 ? (
        filtered ? (
          <EmptyState
            title={t("jobs.emptyFiltered.title")}
            action={<button type="button" className="btn" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
              {t("jobs.filter.clear")}
            </button>}
          >
            <p>{t("jobs.emptyFiltered.body")}</p>
          </EmptyState>
        ) : (
          <EmptyState title={t("jobs.empty.title")} action={<Link className="btn btn-primary" to="/create/ppl">{t("jobs.empty.cta")}</Link>}>
            <p>{t("jobs.empty.body")}</p>
          </EmptyState>
        )
      ) : (
        <>
          <p className="visually-hidden" aria-live="polite">{t("jobs.count", { count: rows.length })}</p>
          <ul className={styles.list}>
            {rows.map((job) => (
              <JobRow key={job.id} job={job} fetchedAt={fresh.has(job.id) ? active.dataUpdatedAt : jobs.dataUpdatedAt} />
            ))}
          </ul>
          {jobs.isFetchNextPageError && <ErrorNotice error={jobs.error} onRetry={() => void jobs.fetchNextPage()} />}
          <div className={styles.more}>
            {jobs.hasNextPage ? (
              <button type="button" className="btn" disabled={jobs.isFetchingNextPage} onClick={() => void jobs.fetchNextPage()}>
                {jobs.isFetchingNextPage ? t("jobs.loadingMore") : t("jobs.more")}
              </button>
            ) : (
              <p className="muted">{t("jobs.end")}</p>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function JobRow({ job, fetchedAt }: { job: Job; fetchedAt: number }) {
  const { formatDateTime } = useI18n();
  const words = useJobWords();
  const prompt = typeof job.params?.prompt === "string" ? job.params.prompt
    : typeof job.params?.product_name === "string" ? job.params.product_name : "";
  return (
    <li className={styles.row}>
      <Link to={`/jobs/${job.id}`} className={styles.thumbLink} tabIndex={-1} aria-hidden="true">
        <JobThumb job={job} size={72} />
      </Link>
      <div className={styles.main}>
        <div className={styles.title}>
          <Link to={`/jobs/${job.id}`} className={styles.kind}>{words.kind(job.kind)}</Link>
          <StatusPill status={job.status} />
          <time className={styles.time} dateTime={job.created_at}>{formatDateTime(job.created_at)}</time>
        </div>
        {prompt && <p className={styles.prompt}>{prompt}</p>}
        {isJobActive(job) && <JobProgress job={job} fetchedAt={fetchedAt} compact />}
      </div>
      <div className={styles.actions}>
        <JobActions job={job} />
      </div>
    </li>
  );
}
