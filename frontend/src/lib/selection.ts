// Multi-select over an ordered list (the gallery and the trash), as pure functions of the state:
// a click toggles one item, Shift+click applies the anchor's state to the whole range between the
// anchor and the clicked item (in either direction), "select all" takes every loaded item and
// "clear" drops everything. The components keep a Selection in state and call these.

export type Selection = {
  /** Selected ids, in the order they were added (a Set keeps insertion order). */
  readonly ids: ReadonlySet<string>;
  /** The item the last plain or toggle click was on: where a Shift+click range starts. */
  readonly anchor: string | null;
};

export const EMPTY_SELECTION: Selection = { ids: new Set(), anchor: null };

export function isSelected(selection: Selection, id: string): boolean {
  return selection.ids.has(id);
}

/** Toggle one item (a checkbox, Ctrl/Cmd+click or a click while selecting); it becomes the anchor. */
export function toggle(selection: Selection, id: string): Selection {
  const ids = new Set(selection.ids);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  return { ids, anchor: id };
}

/**
 * Shift+click: every item between the anchor and `id` (both included) takes the anchor's state,
 * selected or not, as in a mail client: select a range, or clear one after unticking its first
 * item. Without an anchor that is still in the list it is a plain toggle. The clicked item
 * becomes the next anchor, so ranges can be chained.
 */
export function selectRange(selection: Selection, order: readonly string[], id: string): Selection {
  const anchor = selection.anchor;
  const from = anchor == null ? -1 : order.indexOf(anchor);
  const to = order.indexOf(id);
  if (from < 0 || to < 0) return toggle(selection, id);
  const select = selection.ids.has(anchor as string);
  const ids = new Set(selection.ids);
  const [start, stop] = from <= to ? [from, to] : [to, from];
  for (let index = start; index <= stop; index += 1) {
    if (select) ids.add(order[index]);
    else ids.delete(order[index]);
  }
  return { ids, anchor: id };
}

/** How a click on an item with these modifier keys changes the selection. */
export function clickItem(
  selection: Selection,
  order: readonly string[],
  id: string,
  keys: { shiftKey?: boolean; ctrlKey?: boolean; metaKey?: boolean } = {},
): Selection {
  if (keys.shiftKey) return selectRange(selection, order, id);
  return toggle(selection, id);
}

/** Ctrl/Cmd+A: every loaded item (the anchor stays where it was). */
export function selectAll(selection: Selection, order: readonly string[]): Selection {
  return { ids: new Set(order), anchor: selection.anchor };
}

/** Escape, "선택 해제", or after the selected items were moved away. */
export function clearSelection(): Selection {
  return EMPTY_SELECTION;
}

/** Keep only ids still in the list (after a move to the trash, a restore or a new filter). */
export function keepOnly(selection: Selection, present: ReadonlySet<string>): Selection {
  let changed = false;
  const ids = new Set<string>();
  for (const id of selection.ids) {
    if (present.has(id)) ids.add(id);
    else changed = true;
  }
  const anchor = selection.anchor != null && present.has(selection.anchor) ? selection.anchor : null;
  if (!changed && anchor === selection.anchor) return selection;
  return { ids, anchor };
}

/** The selected ids in list order (what is sent to the server, and undone in the same order). */
export function selectedInOrder(selection: Selection, order: readonly string[]): string[] {
  return order.filter((id) => selection.ids.has(id));
}
