// The thumbnail grid of the gallery and the trash. Only the rows near the viewport exist in the
// DOM (window virtualisation), thumbnails load lazily with their size set (no layout shift), and
// the next page is asked for only when the last loaded row comes near the screen, so no more
// than the visible thumbnails plus about one screen are ever requested.
import { useWindowVirtualizer } from "@tanstack/react-virtual";
import { memo, useEffect, useLayoutEffect, useRef, useState, type MouseEvent, type ReactNode, type RefObject } from "react";

import type { GalleryImage } from "../../api/types";
import { useI18n } from "../../i18n";
import type { Selection } from "../../lib/selection";
import styles from "./ImageGrid.module.css";
import { imageName } from "./labels";

export const GRID_GAP = 8;
/** Rows rendered beyond the screen on each side. */
const OVERSCAN_ROWS = 2;

/** Columns for a width: 2 on a phone, then one more for every ~170 px. */
export function columnsFor(width: number): number {
  if (width < 480) return 2;
  return Math.max(3, Math.min(8, Math.floor((width + GRID_GAP) / (170 + GRID_GAP))));
}

function useElementWidth(ref: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const element = ref.current;
    if (!element) return;
    // jsdom and old browsers have no layout: fall back to the window's width.
    const measure = () => setWidth(element.clientWidth || window.innerWidth);
    measure();
    if (typeof ResizeObserver === "undefined") {
      window.addEventListener("resize", measure);
      return () => window.removeEventListener("resize", measure);
    }
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return width;
}

export type SelectKeys = { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean };

export type ImageGridProps = {
  images: GalleryImage[];
  label: string;
  selection: Selection;
  /** A checkbox, a modified click, or any click while something is selected. */
  onSelect: (id: string, keys: SelectKeys) => void;
  onOpen: (id: string) => void;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => void;
  /** Extra line on a tile (the trash: days left). */
  badge?: (image: GalleryImage) => ReactNode;
};

export function ImageGrid({
  images, label, selection, onSelect, onOpen, hasNextPage, isFetchingNextPage, fetchNextPage, badge,
}: ImageGridProps) {
  const { t } = useI18n();
  const listRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(listRef);
  const columns = columnsFor(width);
  const tileSize = Math.max(1, Math.floor((width - GRID_GAP * (columns - 1)) / columns));
  const rowCount = Math.ceil(images.length / columns);

  // Where the grid starts on the page (the virtualiser works in page coordinates). Measured when
  // the layout changes (the width, or anything above the grid growing: the body resizes), never
  // while scrolling, where reading the layout would force it on every frame.
  const [scrollMargin, setScrollMargin] = useState(0);
  useLayoutEffect(() => {
    const element = listRef.current;
    if (!element) return;
    const measure = () => {
      const top = Math.round(element.getBoundingClientRect().top + window.scrollY);
      setScrollMargin((current) => (current === top ? current : top));
    };
    measure();
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(measure);
    observer.observe(document.body);
    return () => observer.disconnect();
  }, [width]);

  const virtualizer = useWindowVirtualizer({
    count: rowCount,
    estimateSize: () => tileSize + GRID_GAP,
    overscan: OVERSCAN_ROWS,
    scrollMargin,
    // Let React batch the re-render a scroll causes instead of forcing it synchronously.
    useFlushSync: false,
  });
  useEffect(() => {
    virtualizer.measure(); // the row height changed with the width
  }, [virtualizer, tileSize]);

  const rows = virtualizer.getVirtualItems();
  const lastRendered = rows.length ? rows[rows.length - 1].index : -1;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastRendered >= rowCount - 1 - OVERSCAN_ROWS && lastRendered >= 0) {
      fetchNextPage();
    }
  }, [lastRendered, rowCount, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const selecting = selection.ids.size > 0;
  const setSize = hasNextPage ? -1 : images.length;

  return (
    <div className={styles.wrap}>
      <div
        ref={listRef}
        role="list"
        aria-label={label}
        aria-busy={isFetchingNextPage}
        className={`${styles.grid} ${selecting ? styles.selecting : ""}`}
        style={{ height: virtualizer.getTotalSize() }}
      >
        {rows.map((row) => {
          const first = row.index * columns;
          return (
            <div
              key={row.key}
              role="none"
              className={styles.row}
              style={{
                height: tileSize,
                gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
                gap: GRID_GAP,
                transform: `translateY(${row.start - scrollMargin}px)`,
              }}
            >
              {images.slice(first, first + columns).map((image, offset) => (
                <Tile
                  key={image.id}
                  image={image}
                  position={first + offset + 1}
                  setSize={setSize}
                  size={tileSize}
                  selected={selection.ids.has(image.id)}
                  selecting={selecting}
                  onSelect={onSelect}
                  onOpen={onOpen}
                  badge={badge?.(image)}
                />
              ))}
            </div>
          );
        })}
      </div>
      {hasNextPage && (
        <div className={styles.more}>
          <button type="button" className="btn btn-sm" disabled={isFetchingNextPage} onClick={() => fetchNextPage()}>
            {isFetchingNextPage ? t("gallery.loadingMore") : t("gallery.loadMore")}
          </button>
        </div>
      )}
    </div>
  );
}

function keysOf(event: MouseEvent): SelectKeys {
  return { shiftKey: event.shiftKey, ctrlKey: event.ctrlKey, metaKey: event.metaKey };
}

const Tile = memo(function Tile({ image, position, setSize, size, selected, selecting, onSelect, onOpen, badge }: {
  image: GalleryImage;
  position: number;
  setSize: number;
  size: number;
  selected: boolean;
  selecting: boolean;
  onSelect: ImageGridProps["onSelect"];
  onOpen: ImageGridProps["onOpen"];
  badge?: ReactNode;
}) {
  const { t, formatDateTime } = useI18n();
  const name = imageName(t, image, formatDateTime);
  return (
    <div
      role="listitem"
      aria-posinset={position}
      aria-setsize={setSize}
      className={`${styles.tile} ${selected ? styles.selected : ""}`}
      data-selected={selected || undefined}
    >
      <button
        type="button"
        className={styles.open}
        aria-label={image.prompt ? `${name}: ${image.prompt.slice(0, 120)}` : name}
        onClick={(event) => {
          // While selecting, a mouse click adds to the selection and a modified click always
          // does; Enter or Space (a click with detail 0) always opens, the checkbox selects.
          const keyboard = event.detail === 0;
          if (!keyboard && (selecting || event.shiftKey || event.ctrlKey || event.metaKey)) onSelect(image.id, keysOf(event));
          else onOpen(image.id);
        }}
      >
        <img
          src={image.thumbnail_url}
          alt=""
          width={size}
          height={size}
          loading="lazy"
          decoding="async"
          draggable={false}
        />
      </button>
      <label className={styles.check}>
        <input
          type="checkbox"
          checked={selected}
          onChange={() => undefined /* handled on click, which carries the Shift key */}
          onClick={(event) => onSelect(image.id, keysOf(event))}
        />
        <span className="visually-hidden">{t("gallery.select", { name })}</span>
      </label>
      {badge && <span className={styles.badge}>{badge}</span>}
    </div>
  );
});
