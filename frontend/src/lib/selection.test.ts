import {
  clearSelection,
  clickItem,
  EMPTY_SELECTION,
  keepOnly,
  selectAll,
  selectedInOrder,
  type Selection,
} from "./selection";

const order = ["a", "b", "c", "d", "e", "f"];
const ids = (selection: Selection) => selectedInOrder(selection, order);

describe("multi-select", () => {
  test("a click selects an item and a second click on it unselects it", () => {
    const once = clickItem(EMPTY_SELECTION, order, "c");
    expect(ids(once)).toEqual(["c"]);
    expect(once.anchor).toBe("c");
    expect(ids(clickItem(once, order, "c"))).toEqual([]);
  });

  test("Ctrl or Cmd+click adds to the selection without touching the rest", () => {
    let selection = clickItem(EMPTY_SELECTION, order, "a");
    selection = clickItem(selection, order, "d", { ctrlKey: true });
    selection = clickItem(selection, order, "f", { metaKey: true });
    expect(ids(selection)).toEqual(["a", "d", "f"]);
    selection = clickItem(selection, order, "d", { ctrlKey: true });
    expect(ids(selection)).toEqual(["a", "f"]);
  });

  test("Shift+click selects the range from the anchor downwards", () => {
    let selection = clickItem(EMPTY_SELECTION, order, "b");
    selection = clickItem(selection, order, "e", { shiftKey: true });
    expect(ids(selection)).toEqual(["b", "c", "d", "e"]);
  });

  test("Shift+click selects the range from the anchor upwards", () => {
    let selection = clickItem(EMPTY_SELECTION, order, "e");
    selection = clickItem(selection, order, "b", { shiftKey: true });
    expect(ids(selection)).toEqual(["b", "c", "d", "e"]);
  });

  test("a range adds to items selected before it", () => {
    let selection = clickItem(EMPTY_SELECTION, order, "a");
    selection = clickItem(selection, order, "d", { ctrlKey: true });
    selection = clickItem(selection, order, "f", { shiftKey: true });
    expect(ids(selection)).toEqual(["a", "d", "e", "f"]);
  });

  test("ranges chain from the last clicked item", () => {
    let selection = clickItem(EMPTY_SELECTION, order, "a");
    selection = clickItem(selection, order, "b", { shiftKey: true });
    selection = clickItem(selection, order, "d", { shiftKey: true });
    expect(ids(selection)).toEqual(["a", "b", "c", "d"]);
  });

  test("Shift+click after unticking an item clears the range instead", () => {
    let selection = selectAll(EMPTY_SELECTION, order);
    selection = clickItem(selection, order, "b"); // untick b: b is the anchor and unselected
    selection = clickItem(selection, order, "d", { shiftKey: true });
    expect(ids(selection)).toEqual(["a", "e", "f"]);
  });

  test("Shift+click with no anchor selects just the clicked item", () => {
    const selection = clickItem(EMPTY_SELECTION, order, "c", { shiftKey: true });
    expect(ids(selection)).toEqual(["c"]);
  });

  test("Shift+click after the anchor left the list toggles only the clicked item", () => {
    let selection = clickItem(EMPTY_SELECTION, order, "b");
    selection = keepOnly(selection, new Set(["a", "c", "d"]));
    selection = clickItem(selection, ["a", "c", "d"], "d", { shiftKey: true });
    expect(selectedInOrder(selection, ["a", "c", "d"])).toEqual(["d"]);
  });

  test("select all takes every loaded item and clear empties the selection", () => {
    const all = selectAll(clickItem(EMPTY_SELECTION, order, "c"), order);
    expect(ids(all)).toEqual(order);
    expect(all.anchor).toBe("c");
    const cleared = clearSelection();
    expect(ids(cleared)).toEqual([]);
    expect(cleared.anchor).toBeNull();
  });

  test("keepOnly drops ids that left the list and returns the same object when nothing did", () => {
    const selection = selectAll(EMPTY_SELECTION, ["a", "b", "c"]);
    expect(keepOnly(selection, new Set(["a", "b", "c", "d"]))).toBe(selection);
    expect([...keepOnly(selection, new Set(["a", "c"])).ids]).toEqual(["a", "c"]);
  });
});
