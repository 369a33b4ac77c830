// Choosing one of the caller's gallery images (newest first, 50 at a time) in a dialog.
import { useGalleryPage } from "../../api/create";
import type { GalleryImage } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Skeleton } from "../../components/Skeleton";
import { useI18n } from "../../i18n";
import styles from "./Create.module.css";

export function GalleryPicker({ open, onClose, onPick, selectedId }: {
  open: boolean;
  onClose: () => void;
  onPick: (image: GalleryImage) => void;
  selectedId: string | null;
}) {
  const { t, formatDateTime } = useI18n();
  const query = useGalleryPage(open);
  const images = query.data?.pages.flatMap((page) => page.results) ?? [];
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={t("edit.picker.title")}
      wide
      actions={<button type="button" className="btn" onClick={onClose}>{t("common.close")}</button>}
    >
      {query.isPending && (
        <div className={styles.pickerGrid} aria-busy="true">
          {Array.from({ length: 8 }, (_, i) => <Skeleton key={i} height="120px" radius="8px" />)}
        </div>
      )}
      {query.error && <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />}
      {query.isSuccess && images.length === 0 && <EmptyState title={t("edit.picker.empty")} />}
      {images.length > 0 && (
        <ul className={styles.pickerGrid}>
          {images.map((image) => (
            <li key={image.id}>
              <button
                type="button"
                className={styles.pickerItem}
                aria-pressed={image.id === selectedId}
                aria-label={t("edit.picker.imageLabel", { date: formatDateTime(image.created_at), width: image.width, height: image.height })}
                onClick={() => {
                  onPick(image);
                  onClose();
                }}
              >
                <img src={image.thumbnail_url || image.url} alt="" loading="lazy" />
              </button>
            </li>
          ))}
        </ul>
      )}
      {query.hasNextPage && (
        <button type="button" className="btn btn-sm" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
          {query.isFetchingNextPage ? t("common.loading") : t("common.more")}
        </button>
      )}
    </Dialog>
  );
}
