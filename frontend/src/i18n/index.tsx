// Korean and English. Korean for a Korean browser, English otherwise; the user's choice is kept in
// localStorage. Each feature keeps its own catalogue in messages/<feature>.ts ({ko, en} with the
// same keys, checked by the compiler) so features can grow without touching each other.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

import { setApiLanguage } from "../api/client";
import { catalogues } from "./messages";

export type Language = "ko" | "en";
export const LANGUAGES: Language[] = ["ko", "en"];
const STORAGE_KEY = "ppl-studio.language";

type Vars = Record<string, string | number>;

const merged: Record<Language, Record<string, string>> = { ko: {}, en: {} };
for (const catalogue of catalogues) {
  Object.assign(merged.ko, catalogue.ko);
  Object.assign(merged.en, catalogue.en);
}

const pluralRules: Partial<Record<Language, Intl.PluralRules>> = {};

/** `{count, plural, one {# image} other {# images}}`: the branch for the number, # replaced by it. */
function plurals(language: Language, template: string, vars: Vars): string {
  return template.replace(
    /\{(\w+), plural,((?:\s*[=\w]+\s*\{[^{}]*\})+)\s*\}/g,
    (whole, name: string, branches: string) => {
      const value = Number(vars[name]);
      if (!(name in vars) || Number.isNaN(value)) return whole;
      const options = new Map<string, string>();
      for (const match of branches.matchAll(/([=\w]+)\s*\{([^{}]*)\}/g)) options.set(match[1], match[2]);
      const rules = (pluralRules[language] ??= new Intl.PluralRules(language));
      const text = options.get(`=${value}`) ?? options.get(rules.select(value)) ?? options.get("other") ?? whole;
      return text.replace(/#/g, value.toLocaleString(language));
    },
  );
}

export function translate(language: Language, key: string, vars?: Vars): string {
  const template = merged[language][key] ?? merged.en[key] ?? key;
  if (!vars) return template;
  return plurals(language, template, vars).replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

export function hasMessage(key: string): boolean {
  return key in merged.en;
}

export function initialLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored === "ko" || stored === "en") return stored;
  } catch {
    /* storage blocked: fall through to the browser's language */
  }
  const preferred = (navigator.languages?.length ? navigator.languages : [navigator.language]) ?? [];
  return preferred.some((tag) => tag?.toLowerCase().startsWith("ko")) ? "ko" : "en";
}

export type I18n = {
  language: Language;
  setLanguage: (language: Language) => void;
  t: (key: string, vars?: Vars) => string;
  formatNumber: (value: number) => string;
  formatBytes: (bytes: number) => string;
  formatDateTime: (iso: string | null | undefined) => string;
  formatDuration: (seconds: number) => string;
};

const I18nContext = createContext<I18n | null>(null);

export function formatBytes(bytes: number, language: Language = "en"): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toLocaleString(language, { maximumFractionDigits: digits })} ${units[unit]}`;
}

export function formatDuration(seconds: number, language: Language = "en"): string {
  const total = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(total / 60);
  const rest = total % 60;
  if (language === "ko") return minutes ? `${minutes}분 ${rest}초` : `${rest}초`;
  return minutes ? `${minutes} min ${rest} s` : `${rest} s`;
}

export function I18nProvider({ children, language: fixed }: { children: ReactNode; language?: Language }) {
  const [language, setLanguageState] = useState<Language>(fixed ?? initialLanguage);

  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      /* not remembered, still applied */
    }
  }, []);

  useEffect(() => {
    document.documentElement.lang = language;
    setApiLanguage(language);
  }, [language]);
  setApiLanguage(language);

  const value = useMemo<I18n>(() => {
    const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" });
    return {
      language,
      setLanguage,
      t: (key, vars) => translate(language, key, vars),
      formatNumber: (n) => n.toLocaleString(language),
      formatBytes: (bytes) => formatBytes(bytes, language),
      formatDateTime: (iso) => (iso ? dateFormat.format(new Date(iso)) : "—"),
      formatDuration: (seconds) => formatDuration(seconds, language),
    };
  }, [language, setLanguage]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error("useI18n outside I18nProvider");
  return value;
}
