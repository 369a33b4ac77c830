/** A catalogue whose English side must have exactly the Korean side's keys. */
export function defineMessages<K extends string>(ko: Record<K, string>, en: Record<K, string>) {
  return { ko: ko as Record<string, string>, en: en as Record<string, string> };
}
