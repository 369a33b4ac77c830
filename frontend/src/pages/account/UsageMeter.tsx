// Storage used against the quota, as a meter with its figures in words (and a warning near or
// over the quota). Without a quota it shows what is used.
import type { StorageUsage } from "../../api/types";
import { useI18n } from "../../i18n";
import styles from "./AccountPage.module.css";

/** From this share of the quota on, the meter warns. */
export const NEAR_QUOTA = 0.9;

export type UsageLevel = "ok" | "near" | "over";

export function usageLevel(usage: Pick<StorageUsage, "used_bytes" | "quota_bytes" | "is_over_quota">): UsageLevel {
  if (usage.is_over_quota) return "over";
  if (usage.quota_bytes == null || usage.quota_bytes <= 0) return "ok";
  if (usage.used_bytes >= usage.quota_bytes) return "over";
  return usage.used_bytes / usage.quota_bytes >= NEAR_QUOTA ? "near" : "ok";
}

export function UsageMeter({ usage }: { usage: StorageUsage }) {
  const { t, formatBytes } = useI18n();
  const used = formatBytes(usage.used_bytes);
  if (usage.quota_bytes == null) {
    return <p className={styles.figure}>{t("account.storage.unlimited", { used })}</p>;
  }
  const quota = usage.quota_bytes;
  const percent = quota > 0 ? Math.min(100, Math.round((usage.used_bytes / quota) * 100)) : 100;
  const level = usageLevel(usage);
  // A little used is "<1%", not a misleading "0%".
  const shown = percent === 0 && usage.used_bytes > 0 ? "<1" : percent;
  const text = t("account.storage.used", { used, quota: formatBytes(quota), percent: shown });
  return (
    <div className={styles.meterWrap}>
      <div
        className={`${styles.meter} ${styles[level]}`}
        role="meter"
        aria-label={t("account.storage.meter")}
        aria-valuemin={0}
        aria-valuemax={quota}
        aria-valuenow={Math.min(usage.used_bytes, quota)}
        aria-valuetext={text}
      >
        <div className={styles.meterBar} style={{ width: `${percent}%` }} />
      </div>
      <p className={styles.figure}>{text}</p>
      {level !== "ok" && (
        <p className={level === "over" ? styles.over_text : styles.near_text} role={level === "over" ? "alert" : undefined}>
          {t(level === "over" ? "account.storage.over" : "account.storage.near")}
        </p>
      )}
    </div>
  );
}
