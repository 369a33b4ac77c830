// /gallery: every image the user made, uploaded or imported, newest first, in a virtualised grid
// with filters (in the URL), uploads (button or drop anywhere on the page), URL import, a
// lightbox, and multi-select to move images to the trash with an undo.
import { useCallback, useMemo, useRef, useState, type DragEvent } from "react";
import { Link, useSearchParams } from "react-router";

import { ApiError } from "../../api/client";
import { useConfig } from "../../api/config";
import { flattenPages, IMAGE_SOURCES, useImages, useUsage, type ImageFilters, type ImageSource } from "../../api/gallery";
import type { GalleryImage } from "../../api/types";
import { ConfirmDialog } from "../../components/Dialog";
import { DropZone } from "../../components/DropZone";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { QuotaDialog } from "../../components/QuotaDialog";
import { useI18n } from "../../i18n";
import { IMAGE_ACCEPT, type ImageLimits } from "../../lib/imageFile";
import styles from "./GalleryPage.module.css";
import { GridSkeleton } from "./GridSkeleton";
import { ImageGrid } from "./ImageGrid";
import { ImportDialog } from "./ImportDialog";
import { Lightbox } from "./Lightbox";
import { SelectionBar } from "./SelectionBar";
import { UploadList } from "./UploadList";
import { useGridSelection } from "./useGridSelection";
import { useImageActions } from "./useImageActions";
import { GALLERY_MAX_SIDE, useUploads } from "./useUploads";

/** Above this many, moving to the trash asks first. */
export const CONFIRM_ABOVE = 100;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function filtersFrom(params: URLSearchParams): ImageFilters {
  const filters: ImageFilters = {};
  const source = params.get("source");
  if (source && (IMAGE_SOURCES as string[]).includes(source)) filters.source = source as ImageSource;
  const from = params.get("from_date");
  if (from && DATE.test(from)) filters.from_date = from;
  const to = params.get("to_date");
  if (to && DATE.test(to)) filters.to_date = to;
  return filters;
}

function hasFiles(event: DragEvent): boolean {
  return Array.from(event.dataTransfer?.types ?? []).includes("Files");
}

export default function GalleryPage() {
  const { t, formatBytes, formatNumber } = useI18n();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFrom(params), [params]);
  const filtered = Object.keys(filters).length > 0;

  const images = useImages("active", filters);
  const list = useMemo(() => flattenPages(images.data), [images.data]);
  const usage = useUsage();
  const config = useConfig();
  const { selection, count, onSelect, clear, selectedIds } = useGridSelection(list);
  const { busy, moveToTrash } = useImageActions();

  const [openId, setOpenId] = useState<string | null>(null);
  const [confirmIds, setConfirmIds] = useState<string[] | null>(null);
  const [importOpen, setImportOpen] = useState(false);
  const [quotaError, setQuotaError] = useState<ApiError | null>(null);
  const fileInput = useRef<HTMLInputElement>(null);

  const limits = useMemo<ImageLimits | null>(() => (config.data
    ? { maxBytes: config.data.max_upload_bytes, maxPixels: config.data.max_image_pixels, maxSide: GALLERY_MAX_SIDE }
    : null), [config.data]);
  const uploads = useUploads({ limits, onQuotaExceeded: setQuotaError });

  const setFilter = (name: keyof ImageFilters, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(name, value);
    else next.delete(name);
    setParams(next, { replace: true });
  };
  const clearFilters = () => setParams(new URLSearchParams(), { replace: true });

  // The selection bar (and the focused button in it) goes away after a move: focus the heading
  // rather than losing it to the document, without scrolling away from where the user was.
  const heading = useRef<HTMLHeadingElement>(null);
  const trash = useCallback(async (ids: string[]) => {
    const outcome = await moveToTrash(ids);
    if (outcome) {
      clear();
      heading.current?.focus({ preventScroll: true });
    }
  }, [moveToTrash, clear]);

  const requestTrash = () => {
    const ids = selectedIds();
    if (ids.length > CONFIRM_ABOVE) setConfirmIds(ids);
    else void trash(ids);
  };

  // From the lightbox: the next image (or the previous at the end) stays open.
  const trashOpen = (image: GalleryImage) => {
    const index = list.findIndex((item) => item.id === image.id);
    const neighbour = list[index + 1] ?? list[index - 1] ?? null;
    setOpenId(neighbour ? neighbour.id : null);
    void moveToTrash([image.id]);
  };

  const closeLightbox = useCallback(() => setOpenId(null), []);
  const { fetchNextPage } = images;
  const fetchNext = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  // Files dropped anywhere on the page upload (a DropZone inside handles its own drops).
  const [dragging, setDragging] = useState(false);
  const dragDepth = useRef(0);
  const canUpload = limits != null;
  const dropHandlers = {
    onDragEnter: (event: DragEvent) => {
      if (!canUpload || !hasFiles(event)) return;
      event.preventDefault();
      dragDepth.current += 1;
      setDragging(true);
    },
    onDragOver: (event: DragEvent) => {
      if (!canUpload || !hasFiles(event)) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    },
    onDragLeave: () => {
      dragDepth.current = Math.max(0, dragDepth.current - 1);
      if (dragDepth.current === 0) setDragging(false);
    },
    onDrop: (event: DragEvent) => {
      dragDepth.current = 0;
      setDragging(false);
      if (event.defaultPrevented || !canUpload) return;
      event.preventDefault();
      uploads.add(Array.from(event.dataTransfer?.files ?? []));
    },
  };

  const retentionDays = usage.data?.trash_retention_days ?? config.data?.trash_retention_days;
  const usageText = usage.data
    ? usage.data.quota_bytes != null
      ? t("gallery.usage", { used: formatBytes(usage.data.used_bytes), quota: formatBytes(usage.data.quota_bytes) })
      : t("gallery.usageUnlimited", { used: formatBytes(usage.data.used_bytes) })
    : null;

  let body;
  if (images.isPending) {
    body = <GridSkeleton />;
  } else if (images.isError) {
    body = <ErrorNotice error={images.error} onRetry={() => void images.refetch()}><p>{t("gallery.loadError")}</p></ErrorNotice>;
  } else if (!list.length && filtered) {
    body = (
      <EmptyState
        title={t("gallery.emptyFiltered.title")}
        action={<button type="button" className="btn" onClick={clearFilters}>{t("gallery.filter.clear")}</button>}
      >
        {t("gallery.emptyFiltered.text")}
      </EmptyState>
    );
  } else if (!list.length) {
    body = (
      <EmptyState
        title={t("gallery.empty.title")}
        action={<Link className="btn btn-primary" to="/create/ppl">{t("gallery.empty.make")}</Link>}
      >
        <p>{t("gallery.empty.text")}</p>
        <DropZone
          label={t("gallery.drop.label")}
          accept={IMAGE_ACCEPT}
          multiple
          disabled={!canUpload}
          onFiles={uploads.add}
          buttonLabel={t("gallery.upload")}
        />
      </EmptyState>
    );
  } else {
    body = (
      <ImageGrid
        images={list}
        label={t("gallery.listLabel")}
        selection={selection}
        onSelect={onSelect}
        onOpen={setOpenId}
        hasNextPage={images.hasNextPage}
        isFetchingNextPage={images.isFetchingNextPage}
        fetchNextPage={fetchNext}
      />
    );
  }

  return (
    <div className={styles.page} {...dropHandlers}>
      <header className={styles.header}>
        <div>
          <h1 ref={heading} tabIndex={-1}>{t("gallery.title")}</h1>
          {usageText && <Link to="/account" className={styles.usage}>{usageText}</Link>}
        </div>
        <div className={styles.tools}>
          <button type="button" className="btn btn-primary" disabled={!canUpload} onClick={() => fileInput.current?.click()}>
            {t("gallery.upload")}
          </button>
          <button type="button" className="btn" onClick={() => setImportOpen(true)}>{t("gallery.import")}</button>
          <input
            ref={fileInput}
            type="file"
            accept={IMAGE_ACCEPT}
            multiple
            className="visually-hidden"
            tabIndex={-1}
            aria-hidden="true"
            data-testid="gallery-file-input"
            onChange={(event) => {
              uploads.add(Array.from(event.target.files ?? []));
              event.target.value = "";
            }}
          />
        </div>
      </header>

      <div className={styles.filterRow}>
        <fieldset className={styles.filters}>
          <legend className="visually-hidden">{t("gallery.filters")}</legend>
          <div className={styles.filter}>
            <label htmlFor="gallery-source">{t("gallery.filter.source")}</label>
            <select id="gallery-source" value={filters.source ?? ""} onChange={(event) => setFilter("source", event.target.value)}>
              <option value="">{t("gallery.filter.allSources")}</option>
              {IMAGE_SOURCES.map((source) => (
                <option key={source} value={source}>{t(`gallery.source.${source}`)}</option>
              ))}
            </select>
          </div>
          <div className={styles.filter}>
            <label htmlFor="gallery-from">{t("gallery.filter.from")}</label>
            <input
              id="gallery-from"
              type="date"
              value={filters.from_date ?? ""}
              max={filters.to_date}
              onChange={(event) => setFilter("from_date", event.target.value)}
            />
          </div>
          <div className={styles.filter}>
            <label htmlFor="gallery-to">{t("gallery.filter.to")}</label>
            <input
              id="gallery-to"
              type="date"
              value={filters.to_date ?? ""}
              min={filters.from_date}
              onChange={(event) => setFilter("to_date", event.target.value)}
            />
          </div>
          {filtered && (
            <button type="button" className={`btn btn-sm btn-ghost ${styles.clearFilters}`} onClick={clearFilters}>
              {t("gallery.filter.clear")}
            </button>
          )}
        </fieldset>
        {list.length > 0 && <p className={`field-hint ${styles.help}`}>{t("gallery.selectionHelp")}</p>}
      </div>

      <UploadList items={uploads.items} onDismiss={uploads.dismiss} onDismissFinished={uploads.dismissFinished} />

      {body}

      <SelectionBar count={count} onClear={clear}>
        <button type="button" className="btn btn-sm btn-danger" disabled={busy} onClick={requestTrash}>
          {t("gallery.moveToTrash")}
        </button>
      </SelectionBar>

      {dragging && (
        <div className={styles.dropOverlay} aria-hidden="true">
          <span>{t("gallery.dropOverlay")}</span>
        </div>
      )}

      <Lightbox
        images={list}
        openId={openId}
        onOpen={setOpenId}
        onClose={closeLightbox}
        hasNextPage={images.hasNextPage}
        fetchNextPage={images.fetchNextPage}
        actions={(image) => (
          <>
            <Link className="btn btn-sm" to={`/create/edit?image_id=${encodeURIComponent(image.id)}`}>{t("gallery.edit")}</Link>
            <button type="button" className="btn btn-sm btn-danger" onClick={() => trashOpen(image)}>{t("gallery.delete")}</button>
          </>
        )}
      />

      <ConfirmDialog
        open={confirmIds != null}
        title={t("gallery.confirmTrash.title", { count: formatNumber(confirmIds?.length ?? 0) })}
        confirmLabel={t("gallery.moveToTrash")}
        cancelLabel={t("common.cancel")}
        danger
        busy={busy}
        onClose={() => setConfirmIds(null)}
        onConfirm={() => {
          const ids = confirmIds ?? [];
          setConfirmIds(null);
          void trash(ids);
        }}
      >
        <p>{retentionDays != null ? t("gallery.confirmTrash.body", { days: retentionDays }) : t("gallery.confirmTrash.bodyShort")}</p>
      </ConfirmDialog>

      <ImportDialog open={importOpen} onClose={() => setImportOpen(false)} onQuotaExceeded={setQuotaError} />
      <QuotaDialog open={quotaError != null} onClose={() => setQuotaError(null)} error={quotaError} />
    </div>
  );
}
