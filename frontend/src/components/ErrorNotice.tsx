// An error in words, in the user's language, with the request id (오류 ID) support can grep for.
import type { ReactNode } from "react";

import { ApiError } from "../api/client";
import { errorMessage, type ErrorLike } from "../api/errors";
import { useI18n } from "../i18n";
import styles from "./ErrorNotice.module.css";

export function ErrorNotice({ error, requestId, children, onRetry }: {
  error: ErrorLike;
  requestId?: string | null;
  children?: ReactNode;
  onRetry?: () => void;
}) {
  const { t, language } = useI18n();
  if (!error) return null;
  const id = requestId ?? (error instanceof ApiError ? error.requestId : null);
  return (
    <div className={styles.notice} role="alert">
      <p className={styles.message}>{errorMessage(error, language)}</p>
      {children}
      <div className={styles.footer}>
        {id && (
          <span className={styles.id}>
            {t("common.requestId")}: <code>{id}</code>
          </span>
        )}
        {onRetry && (
          <button type="button" className="btn btn-sm" onClick={onRetry}>{t("common.retry")}</button>
        )}
      </div>
    </div>
  );
}
