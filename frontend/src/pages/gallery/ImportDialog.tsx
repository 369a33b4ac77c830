// "URL로 가져오기": the platform fetches the picture itself (safely, server-side) and adds it.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";

import { ApiError } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { IMAGES_KEY, importImage, USAGE_KEY } from "../../api/gallery";
import type { GalleryImage } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { useToasts } from "../../components/Toast";
import { useI18n } from "../../i18n";
import styles from "./GalleryPage.module.css";

export function ImportDialog({ open, onClose, onQuotaExceeded }: {
  open: boolean;
  onClose: () => void;
  onQuotaExceeded: (error: ApiError) => void;
}) {
  const { t, language } = useI18n();
  const client = useQueryClient();
  const toasts = useToasts();
  const [url, setUrl] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const inputId = useId();
  const hintId = useId();
  const errorId = useId();

  const mutation = useMutation<GalleryImage, ApiError, string>({
    mutationFn: importImage,
    onSuccess: () => {
      toasts.push({ message: t("gallery.imported"), tone: "success" });
      void client.invalidateQueries({ queryKey: [...IMAGES_KEY, "active"] });
      void client.invalidateQueries({ queryKey: USAGE_KEY });
      close();
    },
    onError: (error) => {
      if (error.code === "storage_quota_exceeded") {
        close();
        onQuotaExceeded(error);
      }
    },
  });

  function close() {
    setUrl("");
    setLocalError(null);
    mutation.reset();
    onClose();
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const value = url.trim();
    if (!/^https?:\/\/\S+$/i.test(value)) {
      setLocalError(t("gallery.import.invalid"));
      return;
    }
    setLocalError(null);
    mutation.mutate(value);
  }

  const serverError = mutation.error;
  const fieldError = localError
    ?? (serverError ? serverError.fieldErrors("url")[0] ?? errorMessage(serverError, language) : null);

  return (
    <Dialog open={open} onClose={close} title={t("gallery.import.title")}>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor={inputId}>{t("gallery.import.url")}</label>
          <input
            id={inputId}
            type="url"
            inputMode="url"
            autoComplete="url"
            placeholder="https://"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            aria-invalid={fieldError ? true : undefined}
            aria-describedby={fieldError ? `${hintId} ${errorId}` : hintId}
            autoFocus
          />
          <span id={hintId} className="field-hint">{t("gallery.import.hint")}</span>
          {fieldError && <span id={errorId} className="field-error" role="alert">{fieldError}</span>}
        </div>
        <div className={styles.formActions}>
          <button type="button" className="btn" onClick={close}>{t("common.cancel")}</button>
          <button type="submit" className="btn btn-primary" disabled={mutation.isPending}>
            {mutation.isPending ? t("common.loading") : t("gallery.import.submit")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
