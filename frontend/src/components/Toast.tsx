// Short notices at the bottom of the screen ("12 images moved to the trash · Undo"), announced
// politely to screen readers. push() returns the toast's id; toasts close themselves.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from "react";

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
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
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
      <div className={styles.region} role="status" aria-live="polite">
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
            <button type="button" className={styles.close} aria-label="×" onClick={() => dismiss(toast.id)}>×</button>
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
