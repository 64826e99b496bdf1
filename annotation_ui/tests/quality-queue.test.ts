import { describe, expect, it } from "vitest";
import { isFormTarget, reviewCommand } from "../src/quality/keys";
import { appendPage, hasMore, nextOffset, nextPending, pendingCount, step } from "../src/quality/queue";

const q = (index: number, done: number[] = [], ids = [10, 11, 12, 13]) => ({ ids, done: new Set(done), index });

describe("review queue navigation", () => {
  it("steps back and forward inside the list", () => {
    expect(step(q(0), -1)).toBe(0);
    expect(step(q(0), 1)).toBe(1);
    expect(step(q(3), 1)).toBe(3);
    expect(step({ ids: [], done: new Set<number>(), index: 0 }, 1)).toBe(0);
  });

  it("goes to the next undecided item after a decision, then wraps to earlier ones", () => {
    expect(nextPending(q(0, [10]))).toBe(1);
    expect(nextPending(q(1, [10, 11, 12]))).toBe(3);
    expect(nextPending(q(3, [11, 13]))).toBe(0);
    expect(nextPending(q(2, [10, 11, 12, 13]))).toBe(-1);
  });

  it("fetches the next page after the undecided items (decided ones left the server's queue)", () => {
    expect(pendingCount(q(0, [10, 12]))).toBe(2);
    expect(nextOffset(q(0))).toBe(4);
    expect(nextOffset(q(0, [10, 12]))).toBe(2);
  });

  it("knows when the server holds items not loaded yet", () => {
    expect(hasMore(q(0), 4)).toBe(false);
    expect(hasMore(q(0), 6)).toBe(true);
    expect(hasMore(q(0, [10]), 3)).toBe(false);
    expect(hasMore(q(0, [10]), 4)).toBe(true);
  });

  it("appends a page without repeating items", () => {
    const have = [{ item_id: 1 }, { item_id: 2 }];
    expect(appendPage(have, [{ item_id: 2 }, { item_id: 3 }]).map((i) => i.item_id)).toEqual([1, 2, 3]);
  });
});

describe("review keys", () => {
  const key = (k: string, extra = {}) => ({ key: k, ...extra });

  it("moves with j/k and the left/right arrows", () => {
    expect(reviewCommand(key("j"), "compare", false)).toEqual({ kind: "next" });
    expect(reviewCommand(key("J"), "compare", false)).toEqual({ kind: "next" });
    expect(reviewCommand(key("ArrowRight"), "compare", false)).toEqual({ kind: "next" });
    expect(reviewCommand(key("k"), "compare", false)).toEqual({ kind: "prev" });
    expect(reviewCommand(key("ArrowLeft"), "compare", false)).toEqual({ kind: "prev" });
    expect(reviewCommand(key("ArrowDown"), "compare", false)).toBeNull(); // the page scrolls
  });

  it("decides with a, digits, c and r", () => {
    expect(reviewCommand(key("a"), "compare", false)).toEqual({ kind: "accept" });
    expect(reviewCommand(key("3"), "compare", false)).toEqual({ kind: "pick", n: 3 });
    expect(reviewCommand(key("0"), "compare", false)).toBeNull();
    expect(reviewCommand(key("c"), "compare", false)).toEqual({ kind: "correct" });
    expect(reviewCommand(key("r"), "compare", false)).toEqual({ kind: "reject" });
  });

  it("leaves typing, shortcuts of the browser and open panels alone; Escape cancels a panel", () => {
    expect(reviewCommand(key("a"), "compare", true)).toBeNull();
    expect(reviewCommand(key("r", { ctrlKey: true }), "compare", false)).toBeNull();
    expect(reviewCommand(key("j"), "correct", false)).toBeNull();
    expect(reviewCommand(key("1"), "correct", false)).toBeNull();
    expect(reviewCommand(key("Escape"), "reject", true)).toEqual({ kind: "cancel" });
    expect(reviewCommand(key("Escape"), "correct", false)).toEqual({ kind: "cancel" });
    expect(reviewCommand(key("Escape"), "compare", false)).toBeNull();
  });

  it("treats only form controls as typing targets", () => {
    const el = (matches: boolean) => ({ closest: () => (matches ? {} : null) }) as unknown as EventTarget;
    expect(isFormTarget(el(true))).toBe(true);
    expect(isFormTarget(el(false))).toBe(false);
    expect(isFormTarget(null)).toBe(false);
  });
});
