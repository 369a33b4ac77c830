import { LocalMoves } from "./gallery";

// The stream's order against the answers' order: which events may still patch the lists.
describe("this tab's moves and their live events", () => {
  test("a trash's event that comes after its undo's answer is held back; the undo's own and later ones are not", () => {
    const moves = new LocalMoves();
    moves.settle(moves.expect(["a", "b"], "trashed"), ["a", "b"], ["a", "b"]);
    moves.settle(moves.expect(["a", "b"], "restored"), ["a", "b"], ["a", "b"]);
    expect(["a", "b"].map((id) => moves.admit(id, "trashed"))).toEqual([false, false]);
    expect(["a", "b"].map((id) => moves.admit(id, "restored"))).toEqual([true, true]);
    expect(moves.admit("a", "trashed")).toBe(true); // a later trash (another tab)
  });

  test("an echo that comes before the answer counts", () => {
    const moves = new LocalMoves();
    const move = moves.expect(["a"], "trashed");
    expect(moves.admit("a", "trashed")).toBe(true);
    moves.settle(move, ["a"], ["a"]);
    expect(moves.admit("a", "restored")).toBe(true);
  });

  test("ids the server did not change, and batches that failed, wait for no echo", () => {
    const moves = new LocalMoves();
    moves.settle(moves.expect(["a", "b"], "trashed"), ["a", "b"], ["a"]);
    moves.settle(moves.expect(["c"], "restored"), ["c"]);
    expect(moves.admit("b", "restored")).toBe(true);
    expect(moves.admit("c", "trashed")).toBe(true);
    // "a" still waits for its echo: an older event of the other kind does nothing.
    expect(moves.admit("a", "restored")).toBe(false);
    expect(moves.admit("a", "trashed")).toBe(true);
  });

  test("a reset of the stream forgets what it waited for", () => {
    const moves = new LocalMoves();
    moves.expect(["a"], "restored");
    moves.clear();
    expect(moves.admit("a", "trashed")).toBe(true);
  });
});
