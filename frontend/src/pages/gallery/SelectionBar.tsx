// What is selected and what can be done with it, pinned to the bottom of the screen.
import type { ReactNode } from "react";

import { useI18n } from "../../i18n";
import styles from "./SelectionBar.module.css";

export function SelectionBar({ count, onClear, children }: { count: number; onClear: () => void; children: ReactNode }) {
  const { t } = useI18n();
  const text = t("gallery.selectedCount", { count });
  return (
    <>
      {/* Always in the page, so the first selection is announced too, not only later changes. */}
      <div className="visually-hidden" aria-live="polite">{count ? text : ""}</div>
      {count > 0 && (
        <section className={styles.bar} aria-label={t("gallery.selectionBar")}>
          <strong className={styles.count}>{text}</strong>
          <div className={styles.actions}>
            {children}
            <button type="button" className="btn btn-sm btn-ghost" onClick={onClear}>{t("gallery.clearSelection")}</button>
          </div>
        </section>
      )}
    </>
  );
}
