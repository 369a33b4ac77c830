// /account: the job limits that apply, storage used against the quota (with the way to the
// trash), the language, a password change and signing out.
import { Link, useNavigate } from "react-router";

import { useMe, useSignOut } from "../../api/auth";
import { useUsage } from "../../api/gallery";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Skeleton } from "../../components/Skeleton";
import { LANGUAGES, useI18n } from "../../i18n";
import styles from "./AccountPage.module.css";
import { PasswordForm } from "./PasswordForm";
import { UsageMeter } from "./UsageMeter";

export default function AccountPage() {
  const { t, language, setLanguage, formatNumber } = useI18n();
  const me = useMe();
  const usage = useUsage();
  const signOut = useSignOut();
  const navigate = useNavigate();

  const user = me.data;

  return (
    <div className={styles.page}>
      <header>
        <h1>{t("account.title")}</h1>
        {user && <p className="muted">{t("account.signedInAs", { username: user.username })}{user.email ? ` · ${user.email}` : ""}</p>}
      </header>

      <section className="card" aria-labelledby="account-limits">
        <h2 id="account-limits">{t("account.limits.title")}</h2>
        {user ? (
          <dl className={styles.limits}>
            <div>
              <dt>{t("account.limits.queued")}</dt>
              <dd>
                <strong>{t("account.limits.value", { count: formatNumber(user.limits.max_queued) })}</strong>
                <span className="field-hint">{t("account.limits.queuedHint")}</span>
              </dd>
            </div>
            <div>
              <dt>{t("account.limits.concurrent")}</dt>
              <dd>
                <strong>{t("account.limits.value", { count: formatNumber(user.limits.max_concurrent) })}</strong>
                <span className="field-hint">{t("account.limits.concurrentHint")}</span>
              </dd>
            </div>
          </dl>
        ) : me.isError ? (
          <ErrorNotice error={me.error} onRetry={() => void me.refetch()} />
        ) : (
          <Skeleton height="3rem" />
        )}
      </section>

      <section className="card" aria-labelledby="account-storage">
        <h2 id="account-storage">{t("account.storage.title")}</h2>
        {usage.data ? (
          <>
            <UsageMeter usage={usage.data} />
            <p className={styles.figure}>
              {t("account.storage.counts", {
                active: formatNumber(usage.data.images.active),
                trash: formatNumber(usage.data.images.trash),
              })}
            </p>
            <p className="field-hint">
              {t("account.storage.trashNote")} <Link to="/trash">{t("account.storage.openTrash")}</Link>
            </p>
          </>
        ) : usage.isError ? (
          <ErrorNotice error={usage.error} onRetry={() => void usage.refetch()} />
        ) : (
          <Skeleton height="3rem" />
        )}
      </section>

      <section className="card" aria-labelledby="account-language">
        <h2 id="account-language">{t("account.language.title")}</h2>
        <div role="radiogroup" aria-labelledby="account-language" className={styles.languages}>
          {LANGUAGES.map((option) => (
            <label key={option} className={styles.language}>
              <input
                type="radio"
                name="language"
                value={option}
                checked={language === option}
                onChange={() => setLanguage(option)}
              />
              <span lang={option}>{t(`account.language.${option}`)}</span>
            </label>
          ))}
        </div>
      </section>

      <section className="card" aria-labelledby="account-password">
        <h2 id="account-password">{t("account.password.title")}</h2>
        <PasswordForm username={user?.username ?? ""} />
      </section>

      <div>
        <button
          type="button"
          className="btn"
          disabled={signOut.isPending}
          onClick={() => signOut.mutate(undefined, { onSettled: () => navigate("/signin", { replace: true }) })}
        >
          {t("account.signOut")}
        </button>
      </div>
    </div>
  );
}
