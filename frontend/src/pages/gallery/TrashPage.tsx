// /trash: images moved to the trash, each with the days left before the automatic purge; restore
// or delete for good (one, a selection, or the whole trash), with the server's answer shown.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useMemo, useRef, useState } from "react";
import { Link } from "react-router";

import { useConfig } from "../../api/config";
import { errorMessage } from "../../api/errors";
import {
  flattenPages, IMAGES_KEY, purgeTrash, removeFromLists, useImages, useUsage, USAGE_KEY, type PurgeResult,
} from "../../api/gallery";
import type { GalleryImage } from "../../api/types";
import { ConfirmDialog } from "../../components/Dialog";
import { EmptyState } from "../../components/EmptyState";
import { ErrorNotice } from "../../components/ErrorNotice";
import { useToasts } from "../../components/Toast";
import { useI18n } from "../../i18n";
import styles from "./GalleryPage.module.css";
import { GridSkeleton } from "./GridSkeleton";
import { ImageGrid } from "./ImageGrid";
import { formatMegabytes } from "./labels";
import { Lightbox } from "./Lightbox";
import { trashDaysLeft, trashPurgeAt } from "./retention";
import { SelectionBar } from "./SelectionBar";
import { useGridSelection } from "./useGridSelection";
import { useImageActions } from "./useImageActions";

type Purge = { kind: "selected"; ids: string[] } | { kind: "all" };

export default function TrashPage() {
  const { t, language, formatDateTime, formatNumber } = useI18n();
  const client = useQueryClient();
  const toasts = useToasts();
  const images = useImages("trash");
  const list = useMemo(() => flattenPages(images.data), [images.data]);
  const usage = useUsage();
  const config = useConfig();
  const { selection, count, onSelect, clear, selectedIds } = useGridSelection(list);
  const { busy: restoring, restore } = useImageActions();

  const [openId, setOpenId] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<Purge | null>(null);
  const [purging, setPurging] = useState(false);
  const [result, setResult] = useState<PurgeResult | null>(null);

  const retentionDays = usage.data?.trash_retention_days ?? config.data?.trash_retention_days ?? null;
  const [now] = useState(() => Date.now());

  const daysLeftText = useCallback((image: GalleryImage) => {
    if (retentionDays == null) return null;
    const days = trashDaysLeft(image.deleted_at, retentionDays, now);
    if (days <= 0) return t("trash.daysLeft.today");
    if (days === 1) return t("trash.daysLeft.one");
    return t("trash.daysLeft", { days: formatNumber(days) });
  }, [retentionDays, now, t, formatNumber]);

  const { fetchNextPage } = images;
  const fetchNext = useCallback(() => void fetchNextPage(), [fetchNextPage]);
  const bytesOf = (ids: ReadonlySet<string>) =>
    list.reduce((sum, image) => (ids.has(image.id) ? sum + image.size_bytes : sum), 0);

  // The selection bar goes away after a restore or a purge: focus the heading instead of losing
  // focus to the document, without scrolling.
  const heading = useRef<HTMLHeadingElement>(null);
  const doRestore = async (ids: string[]) => {
    const outcome = await restore(ids);
    if (outcome) {
      clear();
      heading.current?.focus({ preventScroll: true });
    }
  };

  const restoreOpen = (image: GalleryImage) => {
    const index = list.findIndex((item) => item.id === image.id);
    const neighbour = list[index + 1] ?? list[index - 1] ?? null;
    setOpenId(neighbour ? neighbour.id : null);
    void restore([image.id]);
  };

  const runPurge = async (purge: Purge) => {
    setConfirm(null);
    setPurging(true);
    setResult(null);
    try {
      const answer = await purgeTrash(purge.kind === "selected" ? purge.ids : undefined);
      setResult(answer);
      if (purge.kind === "selected") {
        removeFromLists(client, new Set(purge.ids));
        clear();
      }
      heading.current?.focus({ preventScroll: true });
      void client.invalidateQueries({ queryKey: [...IMAGES_KEY, "trash"] });
      void client.invalidateQueries({ queryKey: USAGE_KEY });
    } catch (error) {
      toasts.push({ message: errorMessage(error as Error, language), tone: "error" });
    } finally {
      setPurging(false);
    }
  };

  // What the confirmation says: how many and how big. The count of the whole trash comes from
  // the usage figures; its size is what the loaded pages add up to ("at least" when more remain).
  let confirmTitle = "";
  let confirmBody = "";
  let confirmNote: string | null = null;
  if (confirm?.kind === "selected") {
    const size = formatMegabytes(bytesOf(new Set(confirm.ids)), language);
    confirmTitle = t("trash.confirmDelete.title", { count: formatNumber(confirm.ids.length) });
    confirmBody = t("trash.confirmDelete.body", { count: formatNumber(confirm.ids.length), size });
  } else if (confirm?.kind === "all") {
    const total = Math.max(usage.data?.images.trash ?? 0, list.length);
    const loadedBytes = list.reduce((sum, image) => sum + image.size_bytes, 0);
    const partial = images.hasNextPage;
    const size = formatMegabytes(loadedBytes, language);
    confirmTitle = t("trash.confirmEmpty.title");
    confirmBody = t("trash.confirmEmpty.body", {
      count: formatNumber(total),
      size: partial ? t("trash.sizeAtLeast", { size }) : size,
    });
    confirmNote = partial ? t("trash.confirmEmpty.partial", { loaded: formatNumber(list.length) }) : null;
  }

  const trashCount = usage.data?.images.trash ?? list.length;
  const canEmpty = !purging && (trashCount > 0 || list.length > 0);

  let body;
  if (images.isPending) {
    body = <GridSkeleton />;
  } else if (images.isError) {
    body = <ErrorNotice error={images.error} onRetry={() => void images.refetch()}><p>{t("gallery.loadError")}</p></ErrorNotice>;
  } else if (!list.length) {
    body = (
      <EmptyState title={t("trash.empty.title")} action={<Link className="btn" to="/gallery">{t("trash.empty.action")}</Link>}>
        {retentionDays != null && t("trash.empty.text", { days: formatNumber(retentionDays) })}
      </EmptyState>
    );
  } else {
    body = (
      <>
        <p className={`field-hint ${styles.help}`}>{t("gallery.selectionHelp")}</p>
        <ImageGrid
          images={list}
          label={t("trash.listLabel")}
          selection={selection}
          onSelect={onSelect}
          onOpen={setOpenId}
          hasNextPage={images.hasNextPage}
          isFetchingNextPage={images.isFetchingNextPage}
          fetchNextPage={fetchNext}
          badge={daysLeftText}
        />
      </>
    );
  }

  return (
    <div className={styles.page}>
      <header className={styles.header}>
        <div>
          <h1 ref={heading} tabIndex={-1}>{t("trash.title")}</h1>
          {retentionDays != null && <p className={styles.intro}>{t("trash.intro", { days: formatNumber(retentionDays) })}</p>}
        </div>
        <div className={styles.tools}>
          <button type="button" className="btn btn-danger" disabled={!canEmpty} onClick={() => setConfirm({ kind: "all" })}>
            {t("trash.emptyTrash")}
          </button>
        </div>
      </header>

      {purging && (
        <p role="status" className="muted">{t("common.loading")}</p>
      )}
      {result && <PurgeReport result={result} onDismiss={() => setResult(null)} />}

      {body}

      <SelectionBar count={count} onClear={clear}>
        <button type="button" className="btn btn-sm btn-primary" disabled={restoring || purging} onClick={() => void doRestore(selectedIds())}>
          {t("trash.restore")}
        </button>
        <button
          type="button"
          className="btn btn-sm btn-danger"
          disabled={restoring || purging}
          onClick={() => setConfirm({ kind: "selected", ids: selectedIds() })}
        >
          {t("trash.deleteForever")}
        </button>
      </SelectionBar>

      <Lightbox
        images={list}
        openId={openId}
        onOpen={setOpenId}
        onClose={() => setOpenId(null)}
        hasNextPage={images.hasNextPage}
        fetchNextPage={images.fetchNextPage}
        extraFacts={(image) => image.deleted_at && (
          <>
            <dt>{t("gallery.fact.deleted")}</dt>
            <dd>{formatDateTime(image.deleted_at)}</dd>
            {retentionDays != null && (
              <>
                <dt>{t("gallery.fact.purgeAt")}</dt>
                <dd>{formatDateTime(trashPurgeAt(image.deleted_at, retentionDays))} · {daysLeftText(image)}</dd>
              </>
            )}
          </>
        )}
        actions={(image) => (
          <>
            <button type="button" className="btn btn-sm btn-primary" onClick={() => restoreOpen(image)}>{t("trash.restore")}</button>
            <button
              type="button"
              className="btn btn-sm btn-danger"
              onClick={() => {
                setOpenId(null);
                setConfirm({ kind: "selected", ids: [image.id] });
              }}
            >
              {t("trash.deleteForever")}
            </button>
          </>
        )}
      />

      <ConfirmDialog
        open={confirm != null}
        title={confirmTitle}
        confirmLabel={confirm?.kind === "all" ? t("trash.emptyTrash") : t("trash.deleteForever")}
        cancelLabel={t("common.cancel")}
        danger
        busy={purging}
        onClose={() => setConfirm(null)}
        onConfirm={() => confirm && void runPurge(confirm)}
      >
        <p>{confirmBody}</p>
        {confirmNote && <p className="field-hint">{confirmNote}</p>}
      </ConfirmDialog>
    </div>
  );
}

/** The server's answer to a purge: what went, how much was freed, and whether it was checked. */
function PurgeReport({ result, onDismiss }: { result: PurgeResult; onDismiss: () => void }) {
  const { t, language, formatNumber } = useI18n();
  return (
    <section className={`card ${styles.result}`} role="status" aria-live="polite">
      <div className={styles.resultHead}>
        <p><strong>{t("trash.purged", { count: formatNumber(result.images), size: formatMegabytes(result.bytes, language) })}</strong></p>
        <button type="button" className="btn btn-sm btn-ghost" onClick={onDismiss}>{t("common.close")}</button>
      </div>
      {result.verified === true && <p>{t("trash.purged.verified")}</p>}
      {result.verified === false && (
        <p className="field-error">{t("trash.purged.unverified", { count: formatNumber(result.files_remaining.length) })}</p>
      )}
      {!result.complete && <p>{t("trash.purged.incomplete")}</p>}
    </section>
  );
}
