// The queue drawer is opened from anywhere (the header badge, a 429 on a create page).
import { createContext, useContext, useMemo, useState, type ReactNode } from "react";

type QueueDrawer = { isOpen: boolean; open: () => void; close: () => void; toggle: () => void };

const QueueDrawerContext = createContext<QueueDrawer | null>(null);

export function QueueDrawerProvider({ children }: { children: ReactNode }) {
  const [isOpen, setOpen] = useState(false);
  const value = useMemo<QueueDrawer>(
    () => ({ isOpen, open: () => setOpen(true), close: () => setOpen(false), toggle: () => setOpen((o) => !o) }),
    [isOpen],
  );
  return <QueueDrawerContext.Provider value={value}>{children}</QueueDrawerContext.Provider>;
}

export function useQueueDrawer(): QueueDrawer {
  const value = useContext(QueueDrawerContext);
  if (!value) throw new Error("useQueueDrawer outside QueueDrawerProvider");
  return value;
}
