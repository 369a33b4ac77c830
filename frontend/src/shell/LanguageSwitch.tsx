// 한국어 / English, remembered (setLanguage stores the choice).
import { LANGUAGES, useI18n } from "../i18n";
import styles from "./LanguageSwitch.module.css";

export function LanguageSwitch({ className = "" }: { className?: string }) {
  const { t, language, setLanguage } = useI18n();
  return (
    <div className={`${styles.switch} ${className}`} role="group" aria-label={t("common.language")}>
      {LANGUAGES.map((code) => (
        <button
          key={code}
          type="button"
          lang={code}
          className={styles.option}
          aria-pressed={language === code}
          onClick={() => setLanguage(code)}
        >
          {t(`shell.lang.${code}`)}
        </button>
      ))}
    </div>
  );
}
