// Before/after of an edit: the edited image over the original, clipped at a divider that a
// range input moves (arrow keys, Home/End, Page Up/Down; dragging the slider with a pointer).
import { useId, useState } from "react";

import { useI18n } from "../../i18n";
import styles from "./Create.module.css";

export function BeforeAfter({ before, after, width, height }: { before: string; after: string; width?: number; height?: number }) {
  const { t } = useI18n();
  const [position, setPosition] = useState(50);
  const captionId = useId();
  return (
    <figure className={styles.compare} aria-labelledby={captionId}>
      <div className={styles.compareStage} style={width && height ? { aspectRatio: `${width} / ${height}` } : undefined}>
        <img src={before} alt={t("edit.before")} className={styles.compareImage} />
        <img
          src={after}
          alt={t("edit.after")}
          className={`${styles.compareImage} ${styles.compareAfter}`}
          style={{ clipPath: `inset(0 0 0 ${position}%)` }}
        />
        <span className={styles.compareDivider} style={{ left: `${position}%` }} aria-hidden="true" />
        <span className={`${styles.compareTag} ${styles.compareTagBefore}`} aria-hidden="true">{t("edit.before")}</span>
        <span className={`${styles.compareTag} ${styles.compareTagAfter}`} aria-hidden="true">{t("edit.after")}</span>
      </div>
      <input
        type="range"
        className={styles.range}
        min={0}
        max={100}
        step={1}
        value={position}
        aria-label={t("edit.sliderLabel")}
        aria-valuetext={t("edit.sliderValue", { percent: 100 - position })}
        onChange={(event) => setPosition(Number(event.target.value))}
      />
      <figcaption id={captionId} className="field-hint">{t("edit.compare")}</figcaption>
    </figure>
  );
}
