// Short notices at the bottom of the screen ("12 images moved to the trash · Undo"), announced
// politely to screen readers. push() returns the toast's id; toasts close themselves.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";

import { useI18n } from "../i18n";
import styles from "./Toast.module.css";

export type ToastInput = {
  message: string;
  tone?: "info" | "success" | "error";
  action?: { label: string; onClick: () => void };
  durationMs?: number;
};
type Toast = ToastInput & { id: number };
type Toasts = { push: (toast: ToastInput) => number; dismiss: (id: number) => void };

const ToastContext = createContext<Toasts | null>(null);

export function ToastProvider({ children }: { children: ReactNode }) {
  const { t } = useI18n();
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const region = useRef<HTMLDivElement>(null);
  // A modal <dialog> sits in the browser's top layer, above any z-index: the toasts are a manual
  // popover, re-shown on each change so they stay on top of a dialog opened after them.
  useEffect(() => {
    const element = region.current;
    if (!element || typeof element.showPopover !== "function") return;
    if (element.matches(":popover-open")) element.hidePopover();
    element.showPopover(); // open even when empty: a live region must exist before it speaks
  }, [toasts.length]);
  const dismiss = useCallback((id: number) => setToasts((all) => all.filter((t) => t.id !== id)), []);
  const push = useCallback((toast: ToastInput) => {
    const id = next.current++;
    setToasts((all) => [...all.slice(-3), { ...toast, id }]);
    window.setTimeout(() => dismiss(id), toast.durationMs ?? (toast.action ? 8000 : 4000));
    return id;
  }, [dismiss]);
  const value = useMemo(() => ({ push, dismiss }), [push, dismiss]);
  return (
    <ToastContext.Provider value={value}>
      {children}
      <div ref={region} popover="manual" className={styles.region} role="status" aria-live="polite">
        {toasts.map((toast) => (
          <div key={toast.id} className={`${styles.toast} ${styles[toast.tone ?? "info"]}`}>
            <span>{toast.message}</span>
            {toast.action && (
              <button
                type="button"
                className={styles.action}
                onClick={() => {
                  toast.action!.onClick();
                  dismiss(toast.id);
                }}
              >
                {toast.action.label}
              </button>
            )}
            <button type="button" className={styles.close} aria-label={t("common.close")} onClick={() => dismiss(toast.id)}>×</button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToasts(): Toasts {
  const value = useContext(ToastContext);
  if (!value) throw new Error("useToasts outside ToastProvider");
  return value;
}
