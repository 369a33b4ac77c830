// A banner while the platform says jobs cannot start: no worker, the image service down, storage
// broken. Asked every ~30 s through the same pre-flight the create pages use; the user's own
// limits (a full queue, a full quota) are the create pages' business, not a site-wide banner.
import { useQueries } from "@tanstack/react-query";

import { api, qs } from "../api/client";
import type { Preflight } from "../api/types";
import { useI18n } from "../i18n";
import styles from "./PreflightBanner.module.css";

const IMAGE_KINDS = ["ppl", "goods", "edit"] as const;
export const SYSTEM_REASONS = new Set([
  "workers_down",
  "service_unavailable",
  "provider_unavailable",
  "provider_not_configured",
  "storage_full",
  "storage_unavailable",
]);

export function usePlatformProblems(): { code: string; message: string }[] {
  const results = useQueries({
    queries: IMAGE_KINDS.map((kind) => ({
      queryKey: ["preflight", kind],
      queryFn: ({ signal }: { signal: AbortSignal }) => api.get<Preflight>(`/api/v1/preflight${qs({ kind })}`, { signal }),
      refetchInterval: 30_000,
      refetchIntervalInBackground: false,
      staleTime: 25_000,
      retry: false,
    })),
  });
  const seen = new Set<string>();
  const problems: { code: string; message: string }[] = [];
  for (const result of results) {
    for (const reason of result.data?.reasons ?? []) {
      if (!SYSTEM_REASONS.has(reason.code) || seen.has(reason.code)) continue;
      seen.add(reason.code);
      problems.push(reason);
    }
  }
  return problems;
}

export function PreflightBanner() {
  const { t } = useI18n();
  const problems = usePlatformProblems();
  if (problems.length === 0) return null;
  return (
    <div className={styles.banner} role="status">
      <svg className={styles.icon} viewBox="0 0 24 24" aria-hidden="true">
        <path d="M12 3l10 18H2L12 3zm0 6v6m0 2.5v.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      <div>
        <strong className={styles.title}>{t("shell.banner.title")}</strong>
        {problems.length === 1 ? (
          <p className={styles.one}>{t(`shell.banner.${problems[0].code}`)}</p>
        ) : (
          <ul className={styles.list}>
            {problems.map((problem) => (
              <li key={problem.code}>{t(`shell.banner.${problem.code}`)}</li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
