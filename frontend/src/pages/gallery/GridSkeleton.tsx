import { Skeleton } from "../../components/Skeleton";
import { useI18n } from "../../i18n";
import styles from "./GalleryPage.module.css";

/** Grey tiles in the grid's shape while the first page loads. */
export function GridSkeleton({ tiles = 12 }: { tiles?: number }) {
  const { t } = useI18n();
  return (
    <div className={styles.skeleton} role="status" aria-live="polite">
      <span className="visually-hidden">{t("common.loading")}</span>
      {Array.from({ length: tiles }, (_, index) => (
        <Skeleton key={index} height="auto" radius="var(--radius-sm)" />
      ))}
    </div>
  );
}
