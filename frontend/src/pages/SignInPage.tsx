// Sign in with the session cookie, then back to where the user was going (`?next=`, checked by
// safeNext). Wrong credentials and the throttle (429 + Retry-After, counted down) are said in words.
import { useEffect, useState, type FormEvent } from "react";
import { Navigate, useNavigate, useSearchParams } from "react-router";

import { safeNext, useMe, useSignIn } from "../api/auth";
import { ApiError } from "../api/client";
import { errorMessage } from "../api/errors";
import { PageSkeleton } from "../components/Skeleton";
import { useI18n } from "../i18n";
import { LanguageSwitch } from "../shell/LanguageSwitch";
import styles from "./SignInPage.module.css";

/** Seconds until the throttle lifts, counting down once a second. */
function useCountdown(seconds: number | null, startedAt: number): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (seconds == null) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1_000);
    return () => window.clearInterval(timer);
  }, [seconds, startedAt]);
  if (seconds == null) return null;
  return Math.max(0, Math.ceil(seconds - (Math.max(now, startedAt) - startedAt) / 1000));
}

export default function SignInPage() {
  const { t, language } = useI18n();
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const me = useMe();
  const signIn = useSignIn();
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [missing, setMissing] = useState(false);
  const next = safeNext(params.get("next"));

  useEffect(() => {
    document.title = `${t("signin.title")} · PPL Studio`;
  }, [t]);

  const error = signIn.error;
  const throttled = error instanceof ApiError && error.status === 429;
  const left = useCountdown(throttled ? error.retryAfterSeconds : null, signIn.submittedAt);

  if (me.isPending) return <PageSkeleton />;
  if (me.data && !signIn.isSuccess) return <Navigate to={next} replace />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!username.trim() || !password) {
      setMissing(true);
      return;
    }
    setMissing(false);
    signIn.mutate({ username: username.trim(), password }, {
      onSuccess: () => navigate(next, { replace: true }),
    });
  };

  let message: string | null = null;
  if (missing) message = t("signin.required");
  else if (throttled) {
    if (left == null) message = t("signin.throttledSoon");
    else message = left > 0 ? t("signin.throttled", { seconds: left }) : t("signin.throttleOver");
  }
  else if (error instanceof ApiError && (error.status === 401 || error.status === 400 || error.status === 403)) {
    message = error.status === 403 && error.code !== "authentication_failed" && error.code !== "invalid_credentials"
      ? errorMessage(error, language)
      : t("signin.wrong");
  } else if (error) message = errorMessage(error, language);

  const blocked = throttled && left != null && left > 0;
  const cameBack = params.has("next") && next !== "/";

  return (
    <div className={styles.page}>
      <div className={styles.top}>
        <LanguageSwitch />
      </div>
      <main id="main" className={styles.center}>
        <div className={`card ${styles.card}`}>
          <div className={styles.brand}>
            <img src={`${import.meta.env.BASE_URL}favicon.svg`} alt="" width="44" height="44" />
            <span className={styles.name}>PPL Studio</span>
          </div>
          <p className={styles.tagline}>{t("signin.tagline")}</p>
          <h1 className={styles.title}>{t("signin.title")}</h1>
          {cameBack && !message && <p className={styles.info}>{t("signin.expired")}</p>}
          <form onSubmit={submit} noValidate>
            <div className="field">
              <label htmlFor="signin-username">{t("signin.username")}</label>
              <input
                id="signin-username"
                type="text"
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                autoFocus
                value={username}
                aria-invalid={missing && !username.trim() ? true : undefined}
                aria-describedby={message ? "signin-error" : undefined}
                onChange={(event) => setUsername(event.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor="signin-password">{t("signin.password")}</label>
              <input
                id="signin-password"
                type="password"
                name="password"
                autoComplete="current-password"
                value={password}
                aria-invalid={missing && !password ? true : undefined}
                aria-describedby={message ? "signin-error" : undefined}
                onChange={(event) => setPassword(event.target.value)}
              />
            </div>
            <div aria-live="assertive">
              {message && <p id="signin-error" className={styles.error} role="alert">{message}</p>}
            </div>
            <button type="submit" className={`btn btn-primary ${styles.submit}`} disabled={signIn.isPending || blocked}>
              {signIn.isPending ? t("signin.submitting") : t("signin.submit")}
            </button>
          </form>
        </div>
      </main>
    </div>
  );
}
