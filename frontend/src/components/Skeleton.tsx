import styles from "./Skeleton.module.css";

/** Grey blocks in the shape of what is loading; announced once to screen readers. */
export function Skeleton({ width = "100%", height = "1rem", radius }: { width?: string; height?: string; radius?: string }) {
  return <span className={styles.block} style={{ width, height, borderRadius: radius }} aria-hidden="true" />;
}

export function PageSkeleton() {
  return (
    <div className={styles.page} role="status" aria-live="polite">
      <span className="visually-hidden">Loading…</span>
      <Skeleton width="40%" height="2rem" />
      <Skeleton height="8rem" />
      <Skeleton width="70%" />
      <Skeleton width="55%" />
    </div>
  );
}
