// The uploads in progress: a labelled progress bar per file, its state in words, and the error
// of a failed one until it is dismissed.
import { ProgressBar } from "../../components/ProgressBar";
import { useI18n } from "../../i18n";
import styles from "./GalleryPage.module.css";
import type { UploadItem } from "./useUploads";

export function UploadList({ items, onDismiss, onDismissFinished }: {
  items: UploadItem[];
  onDismiss: (key: number) => void;
  onDismissFinished: () => void;
}) {
  const { t, formatBytes } = useI18n();
  if (!items.length) return null;
  const finished = items.some((item) => item.status === "done" || item.status === "failed");
  return (
    <section className={`card ${styles.uploads}`} aria-labelledby="gallery-uploads-title">
      <div className={styles.uploadsHead}>
        <h2 id="gallery-uploads-title">{t("gallery.uploads.title")}</h2>
        {finished && (
          <button type="button" className="btn btn-sm btn-ghost" onClick={onDismissFinished}>
            {t("gallery.upload.dismissAll")}
          </button>
        )}
      </div>
      <ul className={styles.uploadList}>
        {items.map((item) => {
          const percent = item.total ? (item.loaded / item.total) * 100 : 0;
          const state = t(`gallery.upload.${item.status}`);
          return (
            <li key={item.key} className={styles.upload}>
              <div className={styles.uploadLine}>
                <span className={styles.uploadName}>{item.name}</span>
                <span className={item.status === "failed" ? "field-error" : "muted"}>
                  {state}
                  {item.status === "uploading" && ` · ${formatBytes(item.loaded)} / ${formatBytes(item.total)}`}
                </span>
                {item.status === "failed" && (
                  <button
                    type="button"
                    className="btn btn-sm btn-ghost"
                    onClick={() => onDismiss(item.key)}
                    aria-label={`${t("gallery.upload.dismiss")}: ${item.name}`}
                  >
                    ×
                  </button>
                )}
              </div>
              {item.status !== "failed" && (
                <ProgressBar
                  value={item.status === "done" ? 100 : percent}
                  indeterminate={item.status === "preparing"}
                  label={t("gallery.upload.progress", { name: item.name })}
                  valueText={item.status === "uploading" ? `${state} ${Math.round(percent)}%` : state}
                />
              )}
              {item.scaled && item.status !== "failed" && <span className="field-hint">{t("gallery.upload.scaled")}</span>}
              {item.error && <span className="field-error" role="alert">{item.error}</span>}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
