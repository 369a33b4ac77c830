// /jobs/:id: everything the job JSON says, in words. While it waits or runs: progress, place in
// line, ETA counting down and why it waits. Once done: the results (download, 편집) or the page.
// On failure: what went wrong in the user's language with the 오류 ID, and the way forward
// (moderated → edit the prompt and run again; timed out → run again).
import { useState, type ReactNode } from "react";
import { Link, useParams } from "react-router";

import { ApiError } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { isJobActive, useJob, type Job } from "../../api/jobs";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Skeleton } from "../../components/Skeleton";
import { hasMessage, useI18n } from "../../i18n";
import { NotFoundScreen } from "../NotFoundPage";
import styles from "./JobDetailPage.module.css";
import { JobActions, useRetryAction } from "./jobActions";
import { JobProgress, StatusPill, useJobWords } from "./jobParts";

export default function JobDetailPage() {
  const { id } = useParams();
  const { t } = useI18n();
  const job = useJob(id);

  if (job.isPending) {
    return (
      <div className={styles.page} role="status" aria-live="polite">
        <span className="visually-hidden">{t("common.loading")}</span>
        <Skeleton width="40%" height="2rem" />
        <Skeleton height="6rem" radius="var(--radius)" />
        <Skeleton height="12rem" radius="var(--radius)" />
      </div>
    );
  }
  if (job.isError && !job.data) {
    if (job.error instanceof ApiError && (job.error.status === 404 || job.error.status === 400)) {
      return (
        <NotFoundScreen title={t("jobs.notFound.title")} actions={<Link className="btn btn-primary" to="/jobs">{t("jobs.backToList")}</Link>}>
          <p>{t("jobs.notFound.body")}</p>
        </NotFoundScreen>
      );
    }
    return <ErrorNotice error={job.error} onRetry={() => void job.refetch()} />;
  }
  return <JobView job={job.data} fetchedAt={job.dataUpdatedAt} />;
}

function JobView({ job, fetchedAt }: { job: Job; fetchedAt: number }) {
  const { t } = useI18n();
  const words = useJobWords();
  return (
    <article className={styles.page}>
      <Link to="/jobs" className={styles.back}>← {t("jobs.backToList")}</Link>
      <header className={styles.header}>
        <div className={styles.titleRow}>
          <h1 className={styles.h1}>{t("jobs.heading", { kind: words.kind(job.kind) })}</h1>
          <StatusPill status={job.status} />
        </div>
        <JobActions job={job} size="md" goToNewJob />
      </header>

      {job.retried_from && (
        <p className={styles.note}>
          {t("jobs.retriedFrom")} <Link to={`/jobs/${job.retried_from}`}>{t("jobs.retriedFromLink")}</Link>
        </p>
      )}

      {isJobActive(job) && (
        <section className="card" aria-labelledby="job-waiting">
          <h2 id="job-waiting">{t("jobs.waiting")}</h2>
          <JobProgress job={job} fetchedAt={fetchedAt} />
        </section>
      )}
      <Outcome job={job} />

      <div className={styles.columns}>
        <div className={styles.stack}>
          {job.status === "succeeded" && <Results job={job} />}
          {job.translation && <Translation job={job} />}
          {(job.inputs?.length ?? 0) > 0 && <Inputs job={job} />}
          <Params job={job} />
        </div>
        <aside className={styles.stack}>
          <Timeline job={job} />
        </aside>
      </div>
    </article>
  );
}

/**
 * The 오류 ID support looks up: the request that made the job (its X-Request-ID, kept on the
 * job); a job made before request ids were kept is found by its own id.
 */
function requestIdOf(job: Job): string {
  return job.request_id || job.id;
}

/** The screens for a job that did not succeed. */
function Outcome({ job }: { job: Job }) {
  const { t, language } = useI18n();
  const retry = useRetryAction({ goToNewJob: true });
  const [editing, setEditing] = useState(false);
  const code = job.error?.code ?? "";
  const requestId = requestIdOf(job);

  if (job.status === "failed" && code === "moderated") {
    return (
      <>
        <Problem tone="danger" title={t("jobs.moderated.title")} requestId={requestId} code={code}>
          <p>{t("jobs.moderated.body")}</p>
          <div className="row">
            <button type="button" className="btn btn-primary" onClick={() => setEditing(true)}>{t("jobs.moderated.editRetry")}</button>
          </div>
        </Problem>
        <EditRetryDialog job={job} open={editing} onClose={() => setEditing(false)} retry={retry} />
      </>
    );
  }
  if (job.status === "timed_out" || code === "timed_out" || code === "timeout") {
    return (
      <Problem tone="danger" title={t("jobs.timedOut.title")} requestId={requestId} code={code || "timed_out"}>
        <p>{t("jobs.timedOut.body")}</p>
        <div className="row">
          <button type="button" className="btn btn-primary" disabled={retry.isPending} onClick={() => retry.run(job)}>{t("jobs.retry")}</button>
        </div>
      </Problem>
    );
  }
  if (job.status === "canceled") {
    return (
      <Problem tone="muted" title={t("jobs.canceled.title")} requestId={null} code={null}>
        <p>{t("jobs.canceled.body")}</p>
      </Problem>
    );
  }
  if (job.status === "failed") {
    return (
      <Problem tone="danger" title={t("jobs.failed.title")} requestId={requestId} code={code || null}>
        <p>{errorMessage(job.error ?? { code: "unknown" }, language)}</p>
        <div className="row">
          <button type="button" className="btn btn-primary" disabled={retry.isPending} onClick={() => retry.run(job)}>{t("jobs.retry")}</button>
        </div>
      </Problem>
    );
  }
  return null;
}

function Problem({ tone, title, requestId, code, children }: {
  tone: "danger" | "muted";
  title: string;
  requestId: string | null;
  code: string | null;
  children: ReactNode;
}) {
  const { t } = useI18n();
  return (
    <section className={`${styles.problem} ${tone === "danger" ? styles.danger : styles.muted}`} role={tone === "danger" ? "alert" : undefined}>
      <h2 className={styles.problemTitle}>{title}</h2>
      {children}
      {(requestId || code) && (
        <p className={styles.ids}>
          {requestId && <span>{t("common.requestId")}: <code>{requestId}</code></span>}
          {code && <span>{t("jobs.errorCode")}: <code>{code}</code></span>}
        </p>
      )}
    </section>
  );
}

function EditRetryDialog({ job, open, onClose, retry }: {
  job: Job;
  open: boolean;
  onClose: () => void;
  retry: ReturnType<typeof useRetryAction>;
}) {
  const { t, language } = useI18n();
  const original = typeof job.params?.prompt === "string" ? job.params.prompt : "";
  const [prompt, setPrompt] = useState(original);
  const fieldError = retry.error instanceof ApiError ? retry.error.fieldErrors("prompt")[0] : undefined;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={t("jobs.moderated.dialogTitle")}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose}>{t("common.cancel")}</button>
          <button
            type="submit"
            form="edit-retry-form"
            className="btn btn-primary"
            disabled={retry.isPending || !prompt.trim()}
          >
            {t("jobs.retry")}
          </button>
        </>
      }
    >
      <form
        id="edit-retry-form"
        onSubmit={(event) => {
          event.preventDefault();
          retry.run(job, { prompt: prompt.trim() }, onClose);
        }}
      >
        <div className="field">
          <label htmlFor="edit-retry-prompt">{t("jobs.param.prompt")}</label>
          <textarea
            id="edit-retry-prompt"
            value={prompt}
            maxLength={2000}
            autoFocus
            aria-describedby="edit-retry-hint"
            aria-invalid={fieldError ? true : undefined}
            onChange={(event) => setPrompt(event.target.value)}
          />
          <span id="edit-retry-hint" className="field-hint">{t("jobs.moderated.promptHint")} · {prompt.length}/2000</span>
          {fieldError && <span className="field-error">{fieldError}</span>}
          {retry.error && !fieldError && <span className="field-error">{errorMessage(retry.error, language)}</span>}
        </div>
      </form>
    </Dialog>
  );
}

function withQuery(url: string, param: string): string {
  return `${url}${url.includes("?") ? "&" : "?"}${param}`;
}

function Results({ job }: { job: Job }) {
  const { t } = useI18n();
  const images = job.result?.images ?? [];
  const page = job.result?.page;
  return (
    <section className="card" aria-labelledby="job-results">
      <h2 id="job-results">{t("jobs.results")}</h2>
      {page && (
        <p><Link className="btn btn-primary" to={`/pages/${page.id}`}>{t("jobs.openPage")}</Link></p>
      )}
      {images.length > 0 && (
        <ul className={styles.results}>
          {images.map((image, index) => (
            <li key={image.id} className={styles.result}>
              <a href={image.url} target="_blank" rel="noopener" className={styles.resultImage}>
                <img
                  src={image.thumbnail_url || image.url}
                  alt={t("jobs.resultAlt", { n: index + 1 })}
                  width={image.width}
                  height={image.height}
                  loading="lazy"
                />
              </a>
              <div className={styles.resultMeta}>
                <span className="muted">{image.width}×{image.height} · {image.format.toUpperCase()}</span>
                <div className="row">
                  <a className="btn btn-sm" href={withQuery(image.url, "download=1")} download>{t("jobs.download")}</a>
                  <Link className="btn btn-sm" to={`/create/edit?image_id=${encodeURIComponent(image.id)}`}>{t("jobs.edit")}</Link>
                </div>
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Translation({ job }: { job: Job }) {
  const { t, language } = useI18n();
  const tr = job.translation!;
  const source = typeof job.params?.prompt === "string" ? job.params.prompt : "";
  return (
    <section className="card" aria-labelledby="job-translation">
      <h2 id="job-translation">{t("jobs.translation")}</h2>
      {tr.translated ? (
        <div className={styles.translation}>
          {source && (
            <div>
              <h3 className={styles.small}>{t("jobs.translation.source", { language: tr.source_language })}</h3>
              <p className={styles.quote} lang={tr.source_language}>{source}</p>
            </div>
          )}
          <span className={styles.arrow} aria-hidden="true">→</span>
          <div>
            <h3 className={styles.small}>{t("jobs.translation.sent")}</h3>
            <p className={styles.quote} lang="en">{tr.text}</p>
          </div>
        </div>
      ) : (
        <>
          <p>{t("jobs.translation.untouched")}</p>
          <p className={styles.quote} lang="en">{tr.text || source}</p>
        </>
      )}
      {/* The platform's note is English prose: shown to English readers only. */}
      {tr.note && language === "en" && <p className="muted">{tr.note}</p>}
      {tr.model && <p className={styles.small}>{t("jobs.translation.model", { model: tr.model })}</p>}
    </section>
  );
}

function Inputs({ job }: { job: Job }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="job-inputs">
      <h2 id="job-inputs">{t("jobs.inputs")}</h2>
      {job.inputs_expired && <p className="muted">{t("jobs.inputsExpired")}</p>}
      <ul className={styles.inputs}>
        {job.inputs!.map((input, index) => {
          const role = hasMessage(`jobs.role.${input.role}`) ? t(`jobs.role.${input.role}`) : input.role;
          return (
            <li key={`${input.role}-${index}`}>
              <figure className={styles.input}>
                {input.url ? (
                  <a href={input.url} target="_blank" rel="noopener">
                    <img src={input.thumbnail_url || input.url} alt={role} loading="lazy" />
                  </a>
                ) : (
                  <div className={styles.inputGone} aria-hidden="true" />
                )}
                <figcaption>
                  {role}
                  {input.width && input.height ? <span className="muted"> · {input.width}×{input.height}</span> : null}
                </figcaption>
              </figure>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function paramValue(key: string, value: unknown, t: (key: string) => string): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? t("jobs.yes") : t("jobs.no");
  if (key === "goods_type" && typeof value === "string" && hasMessage(`jobs.goods.${value}`)) return t(`jobs.goods.${value}`);
  if (key === "output_format" && typeof value === "string") return value.toUpperCase();
  if (key === "aspect_ratio" && typeof value === "string" && hasMessage(`jobs.aspect.${value}`)) return t(`jobs.aspect.${value}`);
  if (key === "source" && typeof value === "string" && hasMessage(`jobs.source.${value}`)) return t(`jobs.source.${value}`);
  if (Array.isArray(value)) return value.map(String).join(", ");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

// Parameters the page shows elsewhere (the translation) or that only the machinery reads.
const HIDDEN_PARAMS = new Set(["prompt_en", "idempotency_key"]);
// What a person reads first: what was asked, then how.
const PARAM_ORDER = ["product_name", "prompt", "product_info", "goods_type", "source", "image_url", "image_id",
  "category_id", "template_set_id", "template_ids", "language", "with_images", "aspect_ratio", "output_format",
  "safety_tolerance", "seed"];
const rank = (key: string) => (PARAM_ORDER.includes(key) ? PARAM_ORDER.indexOf(key) : PARAM_ORDER.length);

function Params({ job }: { job: Job }) {
  const { t } = useI18n();
  const entries = Object.entries(job.params ?? {})
    .filter(([key]) => !HIDDEN_PARAMS.has(key))
    .sort(([a], [b]) => rank(a) - rank(b));
  if (entries.length === 0) return null;
  return (
    <section className="card" aria-labelledby="job-params">
      <h2 id="job-params">{t("jobs.params")}</h2>
      <table className={styles.table}>
        <tbody>
          {entries.map(([key, value]) => (
            <tr key={key}>
              <th scope="row">{hasMessage(`jobs.param.${key}`) ? t(`jobs.param.${key}`) : key}</th>
              <td className={key === "prompt" || key === "product_info" ? styles.long : undefined}>{paramValue(key, value, t)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Timeline({ job }: { job: Job }) {
  const { t, formatDateTime, formatDuration } = useI18n();
  const took = job.started_at && job.finished_at
    ? (new Date(job.finished_at).getTime() - new Date(job.started_at).getTime()) / 1000
    : null;
  const steps: [string, string | null][] = [
    ["jobs.createdAt", job.created_at],
    ["jobs.startedAt", job.started_at],
    ["jobs.finishedAt", job.finished_at],
  ];
  return (
    <section className="card" aria-labelledby="job-timeline">
      <h2 id="job-timeline">{t("jobs.timeline")}</h2>
      <ol className={styles.timeline}>
        {steps.map(([key, at]) => (
          <li key={key} className={at ? styles.done : styles.pending}>
            <span className={styles.stepLabel}>{t(key)}</span>
            {at ? <time dateTime={at}>{formatDateTime(at)}</time> : <span className="muted">—</span>}
          </li>
        ))}
      </ol>
      {took != null && <p className={styles.small}>{t("jobs.took")}: {formatDuration(took)}</p>}
      <h3 className={styles.metaTitle}>{t("jobs.meta")}</h3>
      <dl className={styles.meta}>
        <dt>{t("jobs.id")}</dt>
        <dd><code>{job.id}</code></dd>
        <dt>{t("jobs.provider")}</dt>
        <dd>{job.provider}</dd>
      </dl>
    </section>
  );
}
