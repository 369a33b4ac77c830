// 409 storage_quota_exceeded: how full the storage is (from the error's used_bytes/quota_bytes)
// and the way out: the trash, where deleting for good frees the space.
import { Link } from "react-router";

import { ApiError } from "../api/client";
import { Dialog } from "./Dialog";
import { useI18n } from "../i18n";
import styles from "./QuotaDialog.module.css";

function figure(error: unknown, name: "used_bytes" | "quota_bytes"): number | null {
  const body = error instanceof ApiError ? error.body : (error as { body?: Record<string, unknown> } | null)?.body ?? error;
  const value = body && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function QuotaDialog({ open, onClose, error }: { open: boolean; onClose: () => void; error: unknown }) {
  const { t, formatBytes } = useI18n();
  const used = figure(error, "used_bytes");
  const quota = figure(error, "quota_bytes");
  const percent = used != null && quota ? Math.min(100, Math.round((used / quota) * 100)) : null;
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={t("quota.title")}
      actions={
        <>
          <button type="button" className="btn" onClick={onClose}>{t("common.close")}</button>
          <Link className="btn btn-primary" to="/trash" onClick={onClose}>{t("quota.toTrash")}</Link>
        </>
      }
    >
      <p>{t("quota.body")}</p>
      {used != null && quota != null && (
        <div className={styles.meter}>
          <div
            className={styles.track}
            role="meter"
            aria-label={t("quota.meterLabel")}
            aria-valuemin={0}
            aria-valuemax={quota}
            aria-valuenow={Math.min(used, quota)}
            aria-valuetext={t("quota.usage", { used: formatBytes(used), quota: formatBytes(quota), percent: percent ?? 0 })}
          >
            <div className={styles.bar} style={{ width: `${percent}%` }} />
          </div>
          <p className={styles.figures}>
            {t("quota.usage", { used: formatBytes(used), quota: formatBytes(quota), percent: percent ?? 0 })}
          </p>
        </div>
      )}
      <p className="field-hint">
        {t("quota.hint")} <Link to="/gallery" onClick={onClose}>{t("quota.toGallery")}</Link>
      </p>
    </Dialog>
  );
}
