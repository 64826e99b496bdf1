import { describe, expect, it } from "vitest";
import type { LabelSchema } from "../src/api/types";
import { summariseOthers } from "../src/work/others";

const classes = { kind: "text_classification", labels: [{ name: "pos" }, { name: "neg" }, { name: "mixed" }] } as LabelSchema;
const multi = { ...classes, multi: true } as LabelSchema;
const spans = { kind: "text_spans", labels: [{ name: "brand" }, { name: "place" }] } as LabelSchema;
const boxes = { kind: "image_boxes", labels: [{ name: "car" }, { name: "person" }] } as LabelSchema;

describe("other annotators' labels", () => {
  it("counts classes per item, most chosen first (ties in schema order)", () => {
    const others = [
      { item_id: 1, answer: { label: "neg" } },
      { item_id: 1, answer: { label: "pos" } },
      { item_id: 1, answer: { label: "neg" } },
      { item_id: 2, answer: { label: "pos" } },
      { item_id: 1, answer: { label: "unknown" } },
      { item_id: 1, answer: "garbage" },
    ];
    const s = summariseOthers(classes, others, 1);
    expect(s.answers).toBe(5);
    expect(s.classes).toEqual([
      { label: "neg", count: 2 },
      { label: "pos", count: 1 },
    ]);
    expect(summariseOthers(classes, others, 3)).toMatchObject({ answers: 0, classes: [] });
  });

  it("counts every class of a multi-label answer", () => {
    const s = summariseOthers(multi, [{ item_id: 1, answer: { labels: ["mixed", "pos"] } }, { item_id: 1, answer: { labels: ["pos"] } }], 1);
    expect(s.classes).toEqual([
      { label: "pos", count: 2 },
      { label: "mixed", count: 1 },
    ]);
  });

  it("merges identical spans and orders them by position", () => {
    const a = { spans: [{ label: "place", start: 5, end: 7 }, { label: "brand", start: 0, end: 2 }] };
    const b = { spans: [{ label: "brand", start: 0, end: 2 }] };
    const s = summariseOthers(spans, [{ item_id: 9, answer: a }, { item_id: 9, answer: b }], 9);
    expect(s.spans).toEqual([
      { label: "brand", start: 0, end: 2, count: 2 },
      { label: "place", start: 5, end: 7, count: 1 },
    ]);
  });

  it("collects shapes (clamped to the image) and counts them by class", () => {
    const others = [
      { item_id: 1, answer: { boxes: [{ label: "car", x: 10, y: 10, w: 500, h: 20 }] } },
      { item_id: 1, answer: { boxes: [{ label: "car", x: 0, y: 0, w: 5, h: 5 }, { label: "person", x: 1, y: 1, w: 2, h: 2 }] } },
    ];
    const s = summariseOthers(boxes, others, 1, { width: 100, height: 100 });
    expect(s.boxes).toHaveLength(3);
    expect(s.boxes[0]).toEqual({ label: "car", x: 10, y: 10, w: 90, h: 20 });
    expect(s.classes).toEqual([
      { label: "car", count: 2 },
      { label: "person", count: 1 },
    ]);
  });
});
