// Any route the app does not know, and the "no such job / page" answers (a 404 from the API).
import type { ReactNode } from "react";
import { Link } from "react-router";

import { useI18n } from "../i18n";
import styles from "./NotFoundPage.module.css";

/** A page-level "not found": its own <h1>, what happened, and ways on. */
export function NotFoundScreen({ title, children, actions }: { title: string; children: ReactNode; actions: ReactNode }) {
  return (
    <section className={styles.box} aria-labelledby="not-found-title">
      <svg className={styles.icon} viewBox="0 0 48 48" aria-hidden="true">
        <circle cx="21" cy="21" r="13" fill="none" stroke="currentColor" strokeWidth="3" />
        <path d="M31 31l10 10M16 17l10 8M26 17l-10 8" fill="none" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
      </svg>
      <h1 id="not-found-title" className={styles.title}>{title}</h1>
      <div className={styles.text}>{children}</div>
      <div className={styles.actions}>{actions}</div>
    </section>
  );
}

export default function NotFoundPage() {
  const { t } = useI18n();
  return (
    <NotFoundScreen
      title={t("notFound.title")}
      actions={
        <>
          <Link className="btn btn-primary" to="/">{t("notFound.home")}</Link>
          <Link className="btn" to="/jobs">{t("notFound.jobs")}</Link>
        </>
      }
    >
      <p>{t("notFound.body")}</p>
    </NotFoundScreen>
  );
}
