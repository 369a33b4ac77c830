// The pieces every create page shares: an image slot (drop zone + checks + preview), the prompt
// with its counter, the option fields, the submit area with every answer the platform can give
// (blocked by preflight, queue full, storage full, invalid, throttled, offline), and the job's
// progress once it is accepted.
import { useContext, useEffect, useId, useState, type ReactNode } from "react";
import { Link } from "react-router";

import type { PlatformConfig } from "../../api/config";
import { isJobActive, useJob, type Job } from "../../api/jobs";
import { DropZone } from "../../components/DropZone";
import { ErrorNotice } from "../../components/ErrorNotice";
import { ProgressBar } from "../../components/ProgressBar";
import { QuotaDialog } from "../../components/QuotaDialog";
import { useI18n, type I18n } from "../../i18n";
import {
  IMAGE_ACCEPT,
  ImageCheckError,
  ImageCodecContext,
  prepareImage,
  type PreparedImage,
} from "../../lib/imageFile";
import { useQueueDrawer } from "../../shell/queueDrawer";
import { JobProgress } from "../jobs/jobParts";
import styles from "./Create.module.css";
import type { JobSubmit } from "./useJobSubmit";

// What the platform accepts when GET /api/v1/config has not answered (its defaults).
export const FALLBACK_LIMITS = { maxBytes: 5 * 1024 * 1024, maxPixels: 25_000_000, maxSide: 1024 };
export const FALLBACK_PROMPT_MAX = 2000;
export const FALLBACK_ASPECT_RATIOS = ["match_input_image", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "4:5", "5:4", "21:9", "9:21"];
export const SEED_MAX = 2 ** 32 - 1;

export function imageLimits(config: PlatformConfig | undefined) {
  return {
    maxBytes: config?.max_upload_bytes ?? FALLBACK_LIMITS.maxBytes,
    maxPixels: config?.max_image_pixels ?? FALLBACK_LIMITS.maxPixels,
    maxSide: config?.max_image_side ?? FALLBACK_LIMITS.maxSide,
  };
}

export function imageErrorText(error: unknown, i18n: I18n): string {
  if (error instanceof ImageCheckError) {
    const vars = { ...error.vars };
    for (const name of ["size", "max"]) {
      if (typeof vars[name] === "number") vars[name] = i18n.formatBytes(vars[name] as number);
    }
    return i18n.t(error.messageKey, vars);
  }
  return i18n.t("image.error.unreadable");
}

/** An object URL for a file, revoked when the file changes or the component goes. */
export function useObjectUrl(file: Blob | null | undefined): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file || typeof URL.createObjectURL !== "function") {
      setUrl(null);
      return;
    }
    const made = URL.createObjectURL(file);
    setUrl(made);
    return () => URL.revokeObjectURL(made);
  }, [file]);
  return url;
}

/** A drop zone that checks and scales the image, then shows it. */
export function ImageSlot({ label, hint, value, onChange, error, buttonId, disabled, config, onCheckError }: {
  label: string;
  hint: ReactNode;
  value: PreparedImage | null;
  onChange: (image: PreparedImage | null) => void;
  error?: string | null;
  buttonId: string;
  disabled?: boolean;
  config: PlatformConfig | undefined;
  onCheckError?: () => void;
}) {
  const i18n = useI18n();
  const { t, formatBytes } = i18n;
  const codec = useContext(ImageCodecContext);
  const [preparing, setPreparing] = useState(false);
  const [checkError, setCheckError] = useState<string | null>(null);
  const preview = useObjectUrl(value?.file);
  const limits = imageLimits(config);

  const take = async (files: File[]) => {
    const file = files[0];
    if (!file) return;
    setPreparing(true);
    setCheckError(null);
    try {
      onChange(await prepareImage(file, limits, codec));
    } catch (failure) {
      setCheckError(imageErrorText(failure, i18n));
      onCheckError?.();
    } finally {
      setPreparing(false);
    }
  };

  return (
    <DropZone
      label={label}
      accept={IMAGE_ACCEPT}
      onFiles={(files) => void take(files)}
      disabled={disabled || preparing}
      hint={hint}
      error={checkError ?? error}
      buttonId={buttonId}
    >
      {preparing && <p className="muted" role="status">{t("image.preparing")}</p>}
      {value && !preparing && (
        <figure className={styles.preview}>
          {preview ? (
            <img src={preview} alt={t("image.previewAlt", { label })} className={styles.previewImage} />
          ) : (
            <span className={styles.previewName}>{value.file.name}</span>
          )}
          <figcaption className={styles.previewCaption}>
            <span>
              {value.scaled
                ? t("image.scaled", { side: limits.maxSide, width: value.width, height: value.height, size: formatBytes(value.file.size) })
                : t("image.ready", { width: value.width, height: value.height, size: formatBytes(value.file.size) })}
            </span>
            <button type="button" className="btn btn-sm btn-ghost" onClick={() => onChange(null)} disabled={disabled}>
              {t("image.remove")}
            </button>
          </figcaption>
        </figure>
      )}
    </DropZone>
  );
}

/** A labelled field with hint and error wired to the control through aria-describedby. */
export function Field({ id, label, hint, error, counter, children }: {
  id: string;
  label: string;
  hint?: ReactNode;
  error?: string | null;
  counter?: ReactNode;
  children: (props: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean }) => ReactNode;
}) {
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const counterId = `${id}-counter`;
  const describedBy = [error ? errorId : null, hint ? hintId : null, counter ? counterId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="field">
      <div className={styles.labelRow}>
        <label htmlFor={id}>{label}</label>
        {counter && <span id={counterId} className={styles.counter}>{counter}</span>}
      </div>
      {children({ id, "aria-describedby": describedBy, "aria-invalid": error ? true : undefined })}
      {hint && <p id={hintId} className="field-hint">{hint}</p>}
      {error && <p id={errorId} className="field-error">{error}</p>}
    </div>
  );
}

export function PromptField({ id, label, value, onChange, max, hint, error, required = true, rows = 4, disabled }: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  max: number;
  hint?: ReactNode;
  error?: string | null;
  required?: boolean;
  rows?: number;
  disabled?: boolean;
}) {
  const { t, formatNumber } = useI18n();
  const over = value.length > max;
  return (
    <Field
      id={id}
      label={label}
      hint={hint}
      error={error}
      counter={<span className={over ? styles.counterOver : undefined}>{t("form.promptCount", { count: formatNumber(value.length), max: formatNumber(max) })}</span>}
    >
      {(props) => (
        <textarea {...props} value={value} rows={rows} required={required} disabled={disabled} onChange={(event) => onChange(event.target.value)} />
      )}
    </Field>
  );
}

export function aspectLabel(ratio: string, t: I18n["t"]): string {
  return ratio === "match_input_image" ? t("form.aspect.match_input_image") : ratio;
}

export function AspectRatioField({ id, value, onChange, ratios, error, disabled }: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  ratios: string[];
  error?: string | null;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  return (
    <Field id={id} label={t("form.aspectRatio")} error={error}>
      {(props) => (
        <select {...props} value={value} disabled={disabled} onChange={(event) => onChange(event.target.value)}>
          {ratios.map((ratio) => <option key={ratio} value={ratio}>{aspectLabel(ratio, t)}</option>)}
        </select>
      )}
    </Field>
  );
}

export function FormatField({ value, onChange, formats, disabled }: {
  value: string;
  onChange: (value: string) => void;
  formats: string[];
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const name = useId();
  return (
    <fieldset className={styles.fieldset}>
      <legend className={styles.legend}>{t("form.outputFormat")}</legend>
      <div className={styles.segmented}>
        {formats.map((format) => (
          <label key={format} className={styles.segment}>
            <input type="radio" name={name} value={format} checked={value === format} disabled={disabled} onChange={() => onChange(format)} />
            <span>{format.toUpperCase()}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** What a safety level means, relative to the range and the platform's default. */
export function safetyMeaning(value: number, range: { min: number; max: number; default: number }, t: I18n["t"]): string {
  if (value === range.default) return t("form.safety.default");
  if (value <= range.min) return t("form.safety.strict");
  if (value >= range.max) return t("form.safety.loosest");
  return value < range.default ? t("form.safety.stricter") : t("form.safety.looser");
}

export function SafetyField({ id, value, onChange, range, error, disabled }: {
  id: string;
  value: number;
  onChange: (value: number) => void;
  range: { min: number; max: number; default: number };
  error?: string | null;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  const { min, max } = range;
  const meaning = safetyMeaning(value, range, t);
  return (
    <Field id={id} label={t("form.safety")} hint={meaning} error={error} counter={t("form.safetyValue", { value, max })}>
      {(props) => (
        <input
          {...props}
          type="range"
          className={styles.range}
          min={min}
          max={max}
          step={1}
          value={value}
          disabled={disabled}
          aria-valuetext={`${value}: ${meaning}`}
          onChange={(event) => onChange(Number(event.target.value))}
        />
      )}
    </Field>
  );
}

export function SeedField({ id, value, onChange, error, disabled }: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | null;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  return (
    <Field id={id} label={t("form.seed")} hint={t("form.seedHint")} error={error}>
      {(props) => (
        <input
          {...props}
          type="text"
          inputMode="numeric"
          pattern="[0-9]*"
          autoComplete="off"
          value={value}
          disabled={disabled}
          onChange={(event) => onChange(event.target.value.trim())}
        />
      )}
    </Field>
  );
}

/** "" or a whole number in range; anything else is an error message. */
export function seedError(seed: string, t: I18n["t"]): string | null {
  if (seed === "") return null;
  if (!/^\d+$/.test(seed) || Number(seed) > SEED_MAX) return t("form.seedInvalid");
  return null;
}

/** The submit button, the upload's progress, and every answer short of success. */
export function SubmitArea({ submit, label }: { submit: JobSubmit; label: string }) {
  const { t } = useI18n();
  const drawer = useQueueDrawer();
  const { state } = submit;
  const progressText =
    state.phase === "sending" && state.progress != null
      ? t("form.uploading", { percent: state.progress })
      : state.phase === "checking"
        ? t("form.checking")
        : state.phase === "sending"
          ? t("form.sending")
          : state.phase === "retrying"
            ? t("submit.retrying", { attempt: state.attempt, max: state.max })
            : state.phase === "throttled"
              ? t("submit.throttled", { seconds: state.seconds })
              : null;
  const autoId = useId();
  return (
    <div className={styles.submitArea}>
      <div className={styles.submitRow}>
        <button type="submit" className="btn btn-primary" disabled={submit.busy} aria-busy={submit.busy || undefined}>
          {label}
        </button>
        <span className={styles.status} role="status" aria-live="polite">{progressText}</span>
      </div>
      {state.phase === "sending" && state.progress != null && (
        <ProgressBar value={state.progress} label={t("form.uploadProgress")} valueText={`${state.progress}%`} />
      )}

      {state.phase === "invalid" && (
        <div className={styles.notice} role="alert">
          <p className={styles.noticeTitle}>{t("form.fixErrors")}</p>
          {submit.otherErrors.map((message) => <p key={message}>{message}</p>)}
        </div>
      )}

      {state.phase === "blocked" && (
        <div className={styles.notice} role="alert">
          <p className={styles.noticeTitle}>{t("submit.blocked")}</p>
          <ul>
            {state.reasons.map((reason) => <li key={reason.code}>{reason.message}</li>)}
          </ul>
        </div>
      )}

      {state.phase === "queue_full" && (
        <section className={styles.queuePanel} aria-labelledby={`${autoId}-title`} role="region">
          <h2 id={`${autoId}-title`} className={styles.queueTitle}>{t("queue.title")}</h2>
          {state.limit != null && state.limit > 0 && (
            <p className={styles.queueNumbers}>
              {t("queue.numbers", { waiting: submit.waitingNow ?? state.waiting ?? state.limit, limit: state.limit })}
            </p>
          )}
          {state.limit === 0 && state.maxConcurrent != null && (
            <p className={styles.queueNumbers}>
              {t("queue.numbersNoWaiting", { running: submit.runningNow ?? state.running ?? state.maxConcurrent, max: state.maxConcurrent })}
            </p>
          )}
          <p className="muted">{t("queue.body")}</p>
          <div className="row">
            <label className={styles.toggle}>
              <input
                type="checkbox"
                role="switch"
                checked={submit.autoSubmit}
                onChange={(event) => submit.setAutoSubmit(event.target.checked)}
                aria-describedby={submit.autoSubmit ? `${autoId}-on` : undefined}
              />
              <span>{t("queue.auto")}</span>
            </label>
            <button type="button" className="btn btn-sm" onClick={drawer.open}>{t("queue.openDrawer")}</button>
            <button type="button" className="btn btn-sm" onClick={() => void submit.submit()}>{t("submit.tryAgain")}</button>
          </div>
          {submit.autoSubmit && <p id={`${autoId}-on`} className="field-hint" role="status">{t("queue.autoOn")}</p>}
        </section>
      )}

      {state.phase === "error" && (
        <ErrorNotice error={state.error as Error} onRetry={() => void submit.submit()} />
      )}

      <QuotaDialog open={state.phase === "quota"} onClose={submit.dismiss} error={state.phase === "quota" ? state.error : null} />
    </div>
  );
}

/** The accepted job, followed until it finishes: status, progress or place in line, ETA, result. */
export function JobPanel({ jobId, children, onResult }: {
  jobId: string;
  children?: (job: Job) => ReactNode;
  onResult?: (job: Job) => void;
}) {
  const { t } = useI18n();
  const query = useJob(jobId);
  const job = query.data;
  useEffect(() => {
    if (job?.status === "succeeded") onResult?.(job);
  }, [job, onResult]);
  if (!job) {
    return query.error ? <ErrorNotice error={query.error} onRetry={() => void query.refetch()} /> : null;
  }
  const active = isJobActive(job);
  return (
    <section className={`card ${styles.jobPanel}`} aria-labelledby={`job-${job.id}-title`} aria-busy={active}>
      <div className={styles.jobHead}>
        <h2 id={`job-${job.id}-title`} className={styles.jobTitle}>{t("job.title")}</h2>
        <span className={`pill pill-${job.status}`}>{t(`job.status.${job.status}`)}</span>
        <Link to={`/jobs/${job.id}`} className={styles.jobLink}>{t("job.view")}</Link>
      </div>
      {/* The drawer's and the job page's piece: a waiting job gets no bar (it would read as
          progress), its place in line and a counting-down ETA as text. */}
      {active && <JobProgress job={job} fetchedAt={query.dataUpdatedAt} />}
      {job.error && <ErrorNotice error={job.error} requestId={job.request_id ?? null} />}
      {children?.(job)}
    </section>
  );
}

/** A job's result images with a download link each. */
export function ResultImages({ job }: { job: Job }) {
  const { t } = useI18n();
  const images = job.result?.images ?? [];
  if (!images.length) return null;
  return (
    <div className={styles.results}>
      {images.map((image, index) => (
        <figure key={image.id} className={styles.result}>
          <img src={image.url} alt={t("job.resultAlt", { index: index + 1 })} width={image.width} height={image.height} />
          <figcaption className="row">
            <a className="btn btn-sm" href={image.url} download>{t("job.download")}</a>
            <Link className="btn btn-sm btn-ghost" to="/gallery">{t("job.toGallery")}</Link>
          </figcaption>
        </figure>
      ))}
    </div>
  );
}

/** The page's title and one line on what it makes. */
export function CreateHeader({ title, intro }: { title: string; intro: string }) {
  return (
    <header className={styles.header}>
      <h1>{title}</h1>
      <p className="muted">{intro}</p>
    </header>
  );
}

/** How loading an earlier job's settings went (?from=<id>). */
export function FromJobNotice({ status }: { status: "none" | "loading" | "loaded" | "partial" | "failed" }) {
  const { t } = useI18n();
  if (status === "none") return null;
  const text = {
    loading: t("from.loading"),
    loaded: t("from.loaded"),
    partial: t("from.inputFailed"),
    failed: t("from.failed"),
  }[status];
  return (
    <p className={`${styles.fromNotice} ${status === "failed" || status === "partial" ? "field-error" : "muted"}`} role="status">
      {text}
    </p>
  );
}

/** The file's identity for an intent's signature (a different file: a different request). */
export function fileSignature(image: PreparedImage | null): string {
  return image ? `${image.file.name}:${image.file.size}:${image.file.lastModified}:${image.width}x${image.height}` : "";
}
