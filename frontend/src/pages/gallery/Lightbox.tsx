// One image at full size with its facts, download and the page's actions; ← and → (or the
// buttons) step through the loaded images, asking for the next page at the end of the list.
import type { InfiniteData } from "@tanstack/react-query";
import { useEffect, useRef, type ReactNode } from "react";
import { Link } from "react-router";

import { flattenPages } from "../../api/gallery";
import type { GalleryImage, GalleryImagePage } from "../../api/types";
import { Dialog } from "../../components/Dialog";
import { useI18n } from "../../i18n";
import { imageName, sourceLabel } from "./labels";
import styles from "./Lightbox.module.css";

export function Lightbox({ images, openId, onOpen, onClose, hasNextPage, fetchNextPage, actions, extraFacts }: {
  images: GalleryImage[];
  openId: string | null;
  onOpen: (id: string) => void;
  onClose: () => void;
  hasNextPage: boolean;
  fetchNextPage: () => Promise<{ data?: InfiniteData<GalleryImagePage> }>;
  actions: (image: GalleryImage) => ReactNode;
  extraFacts?: (image: GalleryImage) => ReactNode;
}) {
  const { t, formatBytes, formatDateTime, formatNumber } = useI18n();
  const index = openId ? images.findIndex((image) => image.id === openId) : -1;
  const image = index >= 0 ? images[index] : null;
  const hasPrevious = index > 0;
  const hasNext = index >= 0 && (index < images.length - 1 || hasNextPage);

  const previous = () => {
    if (hasPrevious) onOpen(images[index - 1].id);
  };
  const next = () => {
    if (index < 0) return;
    if (index < images.length - 1) onOpen(images[index + 1].id);
    else if (hasNextPage) {
      void fetchNextPage().then((result) => {
        const loaded = flattenPages(result.data);
        const following = loaded[loaded.findIndex((item) => item.id === openId) + 1];
        if (following) onOpen(following.id);
      });
    }
  };

  // Arrow keys anywhere in the open lightbox, except while typing.
  const steps = useRef({ previous, next });
  steps.current = { previous, next };
  const isOpen = image != null;
  useEffect(() => {
    if (!isOpen) return;
    function onKeyDown(event: KeyboardEvent) {
      const target = event.target as HTMLElement | null;
      if (target?.closest?.("input, textarea, select")) return;
      if (event.key === "ArrowLeft") {
        event.preventDefault();
        steps.current.previous();
      } else if (event.key === "ArrowRight") {
        event.preventDefault();
        steps.current.next();
      }
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [isOpen]);

  // The image at openId left the list (trashed elsewhere, filtered out): nothing to show.
  useEffect(() => {
    if (openId && index < 0) onClose();
  }, [openId, index, onClose]);

  return (
    <Dialog open={image != null} onClose={onClose} title={image ? imageName(t, image, formatDateTime) : ""} wide>
      {image && (
        <div className={styles.layout}>
          <figure className={styles.figure}>
            <img
              key={image.id}
              src={image.url}
              alt={image.prompt || imageName(t, image, formatDateTime)}
              width={image.width}
              height={image.height}
              decoding="async"
            />
            <div className={styles.nav}>
              <button
                type="button"
                className="btn btn-sm"
                onClick={previous}
                disabled={!hasPrevious}
                aria-label={t("gallery.lightbox.previous")}
              >
                <span aria-hidden="true">←</span>
              </button>
              <span className={styles.position} aria-live="polite">
                {t("gallery.lightbox.position", {
                  index: formatNumber(index + 1),
                  count: `${formatNumber(images.length)}${hasNextPage ? "+" : ""}`,
                })}
              </span>
              <button
                type="button"
                className="btn btn-sm"
                onClick={next}
                disabled={!hasNext}
                aria-label={t("gallery.lightbox.next")}
              >
                <span aria-hidden="true">→</span>
              </button>
            </div>
            <figcaption className="visually-hidden">{t("gallery.lightbox.keys")}</figcaption>
          </figure>
          <div className={styles.side}>
            <dl className={styles.facts}>
              <dt>{t("gallery.fact.source")}</dt>
              <dd>{sourceLabel(t, image.source)}</dd>
              <dt>{t("gallery.fact.created")}</dt>
              <dd>{formatDateTime(image.created_at)}</dd>
              <dt>{t("gallery.fact.dimensions")}</dt>
              <dd>{t("gallery.fact.dimensionsValue", { width: formatNumber(image.width), height: formatNumber(image.height) })}</dd>
              <dt>{t("gallery.fact.size")}</dt>
              <dd>{formatBytes(image.size_bytes)}</dd>
              <dt>{t("gallery.fact.format")}</dt>
              <dd>{image.format.toUpperCase()}</dd>
              {extraFacts?.(image)}
              {image.prompt && (
                <>
                  <dt>{t("gallery.fact.prompt")}</dt>
                  <dd className={styles.prompt}>{image.prompt}</dd>
                </>
              )}
              {image.job_id && (
                <>
                  <dt>{t("gallery.fact.job")}</dt>
                  <dd><Link to={`/jobs/${image.job_id}`}>{t("gallery.fact.jobLink")}</Link></dd>
                </>
              )}
            </dl>
            <div className={styles.actions}>
              <a className="btn btn-sm" href={`${image.url}?download=1`} download>{t("common.download")}</a>
              {actions(image)}
              <button type="button" className="btn btn-sm btn-ghost" onClick={onClose}>{t("common.close")}</button>
            </div>
          </div>
        </div>
      )}
    </Dialog>
  );
}
