import { describe, expect, it } from "vitest";
import type { LabelSchema } from "../src/api/types";
import { leaseLevel, LEASE_LOW_MS } from "../src/work/activity";
import { historyCommand, UndoHistory } from "../src/work/history";
import { emptyWork, type ItemWork } from "../src/work/labels";
import { newWorkState } from "../src/work/state";
import { answerState, createItemUndo, restoredWork } from "../src/work/undo";

describe("UndoHistory", () => {
  it("undoes and redoes in order", () => {
    const h = new UndoHistory<string>();
    expect(h.canUndo).toBe(false);
    h.record("a", 0);
    h.record("b", 1000);
    // current is "c"
    expect(h.undo("c")).toBe("b");
    expect(h.undo("b")).toBe("a");
    expect(h.undo("a")).toBeUndefined();
    expect(h.redo("a")).toBe("b");
    expect(h.redo("b")).toBe("c");
    expect(h.redo("c")).toBeUndefined();
  });

  it("forgets what could be redone after a new change", () => {
    const h = new UndoHistory<string>();
    h.record("a", 0);
    expect(h.undo("b")).toBe("a");
    expect(h.canRedo).toBe(true);
    h.record("a", 10);
    expect(h.canRedo).toBe(false);
  });

  it("makes one step of a quick burst with the same key (a drag)", () => {
    const h = new UndoHistory<string>(100, 400);
    h.record("before-drag", 0, "shapes");
    h.record("mid-1", 100, "shapes");
    h.record("mid-2", 450, "shapes"); // each change extends the burst
    h.record("after-pause", 1200, "shapes");
    expect(h.undo("now")).toBe("after-pause");
    expect(h.undo("after-pause")).toBe("before-drag");
    expect(h.canUndo).toBe(false);
  });

  it("does not merge unkeyed changes, different keys, or across an undo", () => {
    const h = new UndoHistory<string>(100, 400);
    h.record("a", 0);
    h.record("b", 1);
    h.record("c", 2, "x");
    h.record("d", 3, "y");
    expect(h.undo("e")).toBe("d");
    h.record("d2", 4, "y");
    expect(h.undo("e")).toBe("d2");
    expect(h.undo("d2")).toBe("c");
  });

  it("keeps at most `limit` steps", () => {
    const h = new UndoHistory<number>(3);
    for (let i = 0; i < 10; i++) h.record(i, i * 1000);
    expect([h.undo(10), h.undo(9), h.undo(8), h.undo(7)]).toEqual([9, 8, 7, undefined]);
  });
});

describe("history keys", () => {
  const press = (key: string, mods: Partial<KeyboardEvent> = {}) =>
    historyCommand({ key, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });

  it("Ctrl/⌘+Z undoes; with Shift, or Ctrl+Y, redoes", () => {
    expect(press("z", { ctrlKey: true })).toBe("undo");
    expect(press("z", { metaKey: true })).toBe("undo");
    expect(press("Z", { ctrlKey: true, shiftKey: true })).toBe("redo");
    expect(press("y", { ctrlKey: true })).toBe("redo");
  });

  it("ignores plain keys and Alt combinations", () => {
    expect(press("z")).toBeNull();
    expect(press("z", { ctrlKey: true, altKey: true })).toBeNull();
    expect(press("y", { ctrlKey: true, shiftKey: true })).toBeNull();
  });
});

const boxes: LabelSchema = { kind: "image_boxes", labels: [{ name: "car" }, { name: "person" }] } as LabelSchema;
const classes: LabelSchema = { kind: "text_classification", labels: [{ name: "pos" }, { name: "neg" }] } as LabelSchema;
const work = (w: Partial<ItemWork>): ItemWork => ({ ...emptyWork(), ...w });
const box = { label: "car", x: 1, y: 2, w: 3, h: 4 };

describe("item undo", () => {
  it("tracks the answer, not the class chosen for the next shape", () => {
    expect(answerState(boxes, work({ labels: ["car"] }))).toBe(answerState(boxes, work({ labels: ["person"] })));
    expect(answerState(boxes, work({ boxes: [box] }))).not.toBe(answerState(boxes, work({})));
    expect(answerState(classes, work({ labels: ["pos"] }))).not.toBe(answerState(classes, work({ labels: ["neg"] })));
  });

  it("restores shapes but keeps the class chosen now", () => {
    const restored = restoredWork(boxes, work({ labels: ["car"], boxes: [box] }), work({ labels: ["person"] }));
    expect(restored).toEqual(work({ labels: ["person"], boxes: [box] }));
    expect(restoredWork(classes, work({ labels: ["pos"] }), work({ labels: ["neg"] }))).toEqual(work({ labels: ["pos"] }));
  });

  it("keeps one history per item and skips changes that change nothing", () => {
    const state = newWorkState();
    state.job = { label_schema: classes } as typeof state.job;
    let clock = 0;
    const undo = createItemUndo(state, () => (clock += 1000));
    state.works.set(1, work({ labels: ["pos"] }));
    state.works.set(2, work({}));
    undo.record(1, work({}), work({ labels: ["pos"] }));
    undo.record(1, work({ labels: ["pos"] }), work({ labels: ["pos"] })); // same answer
    undo.record(2, work({}), work({ labels: ["neg"] }));
    expect(undo.canUndo(1)).toBe(true);
    expect(undo.apply(1, "undo")).toEqual(work({}));
    state.works.set(1, work({}));
    expect(undo.canUndo(1)).toBe(false);
    expect(undo.canRedo(1)).toBe(true);
    expect(undo.apply(1, "redo")).toEqual(work({ labels: ["pos"] }));
    expect(undo.canUndo(2)).toBe(true); // untouched by item 1's steps
    expect(undo.apply(3, "undo")).toBeNull();
  });
});

describe("lease warnings", () => {
  it("warns under a minute and when expired", () => {
    expect(leaseLevel(LEASE_LOW_MS + 1)).toBe("ok");
    expect(leaseLevel(LEASE_LOW_MS - 1)).toBe("low");
    expect(leaseLevel(0)).toBe("expired");
    expect(leaseLevel(-5)).toBe("expired");
  });
});
