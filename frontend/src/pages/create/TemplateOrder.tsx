// An own ordered list of templates: add from the category's templates, remove, and reorder by
// dragging, by the up/down buttons, or with Alt+↑/Alt+↓ on a focused item. Each move is
// announced in a live region ("Specs: now 2 of 4"), and focus stays on the moved item.
import { useEffect, useRef, useState, type KeyboardEvent } from "react";

import type { ApiError } from "../../api/client";
import type { TemplateListItem } from "../../api/types";
import { ErrorNotice } from "../../components/ErrorNotice";
import { Skeleton } from "../../components/Skeleton";
import { useI18n } from "../../i18n";
import styles from "./Create.module.css";

export type OrderedTemplate = { id: number; name: string };

export function moveItem<T>(list: T[], from: number, to: number): T[] {
  if (from === to || from < 0 || to < 0 || from >= list.length || to >= list.length) return list;
  const next = [...list];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

export function TemplateOrder({ available, loading, error, order, onChange, listId, fieldError }: {
  available: TemplateListItem[];
  loading: boolean;
  error: ApiError | null;
  order: OrderedTemplate[];
  onChange: (order: OrderedTemplate[]) => void;
  listId: string;
  fieldError?: string | null;
}) {
  const { t } = useI18n();
  const [announcement, setAnnouncement] = useState("");
  const [dragging, setDragging] = useState<number | null>(null);
  const [dropTarget, setDropTarget] = useState<number | null>(null);
  const focusAfter = useRef<number | null>(null);
  const itemRefs = useRef(new Map<number, HTMLLIElement>());

  useEffect(() => {
    if (focusAfter.current == null) return;
    itemRefs.current.get(focusAfter.current)?.focus();
    focusAfter.current = null;
  }, [order]);

  const move = (from: number, to: number, { keepFocus = true } = {}) => {
    if (to < 0 || to >= order.length || from === to) return;
    const next = moveItem(order, from, to);
    if (keepFocus) focusAfter.current = next[to].id;
    onChange(next);
    setAnnouncement(t("page.moved", { name: next[to].name, position: to + 1, total: next.length }));
  };

  const onItemKey = (event: KeyboardEvent<HTMLLIElement>, index: number) => {
    if (event.target !== event.currentTarget || !event.altKey) return;
    if (event.key === "ArrowUp") {
      event.preventDefault();
      move(index, index - 1);
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      move(index, index + 1);
    }
  };

  const chosen = new Set(order.map((item) => item.id));
  const hintId = `${listId}-hint`;
  const errorId = `${listId}-error`;

  return (
    <div className={styles.orderGrid}>
      <section aria-labelledby={`${listId}-available`}>
        <h3 id={`${listId}-available`} className={styles.legend}>{t("page.available")}</h3>
        {loading && <Skeleton height="6rem" />}
        {error && <ErrorNotice error={error} />}
        <ul className={styles.templateList}>
          {available.map((template) => (
            <li key={template.id} className={styles.templateRow}>
              <span>
                <strong>{template.name}</strong>
                <span className="field-hint"> · {template.block_type}</span>
              </span>
              <button
                type="button"
                className="btn btn-sm"
                disabled={chosen.has(template.id)}
                aria-label={`${t("page.add")}: ${template.name}`}
                onClick={() => {
                  onChange([...order, { id: template.id, name: template.name }]);
                  setAnnouncement(t("page.moved", { name: template.name, position: order.length + 1, total: order.length + 1 }));
                }}
              >
                {t("page.add")}
              </button>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby={`${listId}-chosen`}>
        <h3 id={`${listId}-chosen`} className={styles.legend}>{t("page.chosen")}</h3>
        <p id={hintId} className="field-hint">{t("page.reorderHint")}</p>
        {order.length === 0 && (
          <p className="muted" id={listId} tabIndex={-1} aria-describedby={fieldError ? errorId : undefined}>{t("page.chosenEmpty")}</p>
        )}
        {order.length > 0 && (
          <ol id={listId} tabIndex={-1} className={styles.templateList} aria-labelledby={`${listId}-chosen`} aria-describedby={fieldError ? errorId : undefined}>
            {order.map((item, index) => (
              <li
                key={item.id}
                ref={(element) => {
                  if (element) itemRefs.current.set(item.id, element);
                  else itemRefs.current.delete(item.id);
                }}
                className={`${styles.templateRow} ${styles.orderItem} ${dropTarget === index ? styles.dropTarget : ""} ${dragging === index ? styles.draggingItem : ""}`}
                tabIndex={0}
                draggable
                aria-label={`${index + 1}. ${item.name}`}
                aria-describedby={hintId}
                onKeyDown={(event) => onItemKey(event, index)}
                onDragStart={(event) => {
                  setDragging(index);
                  event.dataTransfer.effectAllowed = "move";
                  event.dataTransfer.setData("text/plain", String(item.id));
                }}
                onDragOver={(event) => {
                  if (dragging == null) return;
                  event.preventDefault();
                  setDropTarget(index);
                }}
                onDragLeave={() => setDropTarget((target) => (target === index ? null : target))}
                onDrop={(event) => {
                  event.preventDefault();
                  if (dragging != null) move(dragging, index, { keepFocus: false });
                  setDragging(null);
                  setDropTarget(null);
                }}
                onDragEnd={() => {
                  setDragging(null);
                  setDropTarget(null);
                }}
              >
                <span className={styles.grip} aria-hidden="true">⋮⋮</span>
                <span className={styles.orderName}>
                  <span className={styles.orderIndex}>{index + 1}</span> {item.name}
                </span>
                <span className={styles.orderButtons}>
                  <button type="button" className="btn btn-sm btn-ghost" aria-label={t("page.moveUpNamed", { name: item.name })} disabled={index === 0} onClick={() => move(index, index - 1, { keepFocus: false })}>↑</button>
                  <button type="button" className="btn btn-sm btn-ghost" aria-label={t("page.moveDownNamed", { name: item.name })} disabled={index === order.length - 1} onClick={() => move(index, index + 1, { keepFocus: false })}>↓</button>
                  <button
                    type="button"
                    className="btn btn-sm btn-ghost"
                    aria-label={t("page.removeNamed", { name: item.name })}
                    onClick={() => onChange(order.filter((other) => other.id !== item.id))}
                  >
                    ×
                  </button>
                </span>
              </li>
            ))}
          </ol>
        )}
        {fieldError && <p id={errorId} className="field-error">{fieldError}</p>}
        <p className="visually-hidden" role="status" aria-live="polite" data-testid="order-announcement">{announcement}</p>
      </section>
    </div>
  );
}
