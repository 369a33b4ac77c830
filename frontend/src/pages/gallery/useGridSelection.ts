// The selection of a grid page: the pure rules of lib/selection plus the keyboard shortcuts
// (Ctrl/Cmd+A selects every loaded image, Escape clears) while no dialog is open.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";

import type { GalleryImage } from "../../api/types";
import {
  clearSelection,
  clickItem,
  EMPTY_SELECTION,
  keepOnly,
  selectAll,
  selectedInOrder,
  type Selection,
} from "../../lib/selection";
import type { SelectKeys } from "./ImageGrid";

function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && target.type !== "checkbox" && target.type !== "radio";
}

export function useGridSelection(images: GalleryImage[]) {
  const [selection, setSelection] = useState<Selection>(EMPTY_SELECTION);
  const order = useMemo(() => images.map((image) => image.id), [images]);
  const orderRef = useRef(order);
  orderRef.current = order;

  // Images that left the list (moved, purged, filtered out) leave the selection too.
  useEffect(() => {
    setSelection((current) => keepOnly(current, new Set(order)));
  }, [order]);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented || typingIn(event.target) || document.querySelector("dialog[open]")) return;
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "a") {
        if (!orderRef.current.length) return;
        event.preventDefault();
        setSelection((current) => selectAll(current, orderRef.current));
      } else if (event.key === "Escape") {
        setSelection((current) => (current.ids.size ? clearSelection() : current));
      }
    }
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, []);

  const onSelect = useCallback((id: string, keys: SelectKeys) => {
    setSelection((current) => clickItem(current, orderRef.current, id, keys));
  }, []);
  const clear = useCallback(() => setSelection(clearSelection()), []);
  const selectedIds = useCallback(() => selectedInOrder(selection, orderRef.current), [selection]);

  return { selection, count: selection.ids.size, onSelect, clear, selectedIds };
}
