// Change one's own password: the current one, the new one twice. The server's 400 puts its
// messages on the fields (old_password, new_password); this browser stays signed in.
import { useMutation } from "@tanstack/react-query";
import { useRef, useState, type FormEvent } from "react";

import { api, ApiError } from "../../api/client";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useI18n } from "../../i18n";
import styles from "./AccountPage.module.css";

type Field = "old_password" | "new_password" | "confirm";
type Errors = Partial<Record<Field, string>>;
const FIELDS: Field[] = ["old_password", "new_password", "confirm"];

export function PasswordForm({ username }: { username: string }) {
  const { t } = useI18n();
  const [values, setValues] = useState<Record<Field, string>>({ old_password: "", new_password: "", confirm: "" });
  const [errors, setErrors] = useState<Errors>({});
  const [done, setDone] = useState(false);
  const inputs = useRef<Partial<Record<Field, HTMLInputElement | null>>>({});

  const mutation = useMutation<void, ApiError, { old_password: string; new_password: string }>({
    mutationFn: (body) => api.post<void>("/api/v1/auth/password", body),
    onSuccess: () => {
      setValues({ old_password: "", new_password: "", confirm: "" });
      setDone(true);
    },
    onError: (error) => {
      const found: Errors = {};
      for (const name of ["old_password", "new_password"] as const) {
        const messages = error.fieldErrors(name);
        if (messages.length) found[name] = messages.join(" ");
      }
      show(found);
    },
  });

  function show(found: Errors) {
    setErrors(found);
    const first = FIELDS.find((name) => found[name]);
    if (first) inputs.current[first]?.focus();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setDone(false);
    mutation.reset();
    const found: Errors = {};
    for (const name of FIELDS) if (!values[name]) found[name] = t("account.password.required");
    if (values.new_password && values.confirm && values.new_password !== values.confirm) {
      found.confirm = t("account.password.mismatch");
    }
    show(found);
    if (Object.keys(found).length) return;
    mutation.mutate({ old_password: values.old_password, new_password: values.new_password });
  }

  const field = (name: Field, label: string, autoComplete: string) => {
    const id = `password-${name}`;
    const error = errors[name];
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          ref={(element) => {
            inputs.current[name] = element;
          }}
          id={id}
          type="password"
          autoComplete={autoComplete}
          value={values[name]}
          onChange={(event) => setValues((all) => ({ ...all, [name]: event.target.value }))}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        {error && <span id={`${id}-error`} className="field-error">{error}</span>}
      </div>
    );
  };

  // An error the fields do not explain (throttled, network…) goes above the button.
  const unexplained = mutation.error && !mutation.error.body.fields ? mutation.error : null;

  return (
    <form className={styles.form} onSubmit={submit} noValidate>
      {/* The username lets password managers file the new password under the right account. */}
      <input type="text" name="username" autoComplete="username" value={username} readOnly hidden />
      {field("old_password", t("account.password.old"), "current-password")}
      {field("new_password", t("account.password.new"), "new-password")}
      {field("confirm", t("account.password.confirm"), "new-password")}
      {unexplained && <ErrorNotice error={unexplained} />}
      {done && <p role="status" className={styles.success}>{t("account.password.changed")}</p>}
      <div>
        <button type="submit" className="btn btn-primary" disabled={mutation.isPending}>
          {mutation.isPending ? t("common.loading") : t("account.password.submit")}
        </button>
      </div>
    </form>
  );
}
