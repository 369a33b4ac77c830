import styles from "./ProgressBar.module.css";

/** A progress bar with spoken text (aria-valuetext), e.g. "42 % · 3rd in queue". */
export function ProgressBar({ value, label, valueText, indeterminate = false }: {
  value: number; // 0..100
  label: string;
  valueText?: string;
  indeterminate?: boolean;
}) {
  const clamped = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div
      className={styles.track}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={indeterminate ? undefined : clamped}
      aria-valuetext={valueText ?? `${clamped}%`}
    >
      <div className={indeterminate ? styles.indeterminate : styles.bar} style={indeterminate ? undefined : { width: `${clamped}%` }} />
    </div>
  );
}
