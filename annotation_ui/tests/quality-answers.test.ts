import { describe, expect, it } from "vitest";
import type { LabelSchema } from "../src/api/types";
import { answerClasses, imageSize, outlines, sameClasses } from "../src/quality/answers";

const classes = { kind: "text_classification", labels: [{ name: "pos" }, { name: "neg" }, { name: "neu" }] } as LabelSchema;
const multi = { ...classes, multi: true } as LabelSchema;
const spans = { kind: "text_spans", labels: [{ name: "brand" }, { name: "place" }] } as LabelSchema;
const boxes = { kind: "image_boxes", labels: [{ name: "car", color: "#112233" }, { name: "person" }] } as LabelSchema;
const polygons = { kind: "image_polygons", labels: [{ name: "road" }] } as LabelSchema;
const size = { width: 400, height: 300 };

describe("answers on the review page", () => {
  it("lists the classes an answer chose, in schema order", () => {
    expect(answerClasses(classes, { label: "neg" })).toEqual([{ label: "neg", count: 1 }]);
    expect(answerClasses(multi, { labels: ["neu", "pos"] })).toEqual([
      { label: "pos", count: 1 },
      { label: "neu", count: 1 },
    ]);
    expect(answerClasses(classes, { label: "cat" })).toEqual([]);
    expect(answerClasses(classes, null)).toEqual([]);
  });

  it("counts drawn shapes and marked spans per class", () => {
    const answer = {
      boxes: [
        { label: "person", x: 1, y: 1, w: 10, h: 10 },
        { label: "car", x: 5, y: 5, w: 20, h: 10 },
        { label: "car", x: 50, y: 5, w: 20, h: 10 },
      ],
    };
    expect(answerClasses(boxes, answer, size)).toEqual([
      { label: "car", count: 2 },
      { label: "person", count: 1 },
    ]);
    expect(answerClasses(spans, { spans: [{ label: "place", start: 0, end: 2 }] })).toEqual([{ label: "place", count: 1 }]);
  });

  it("draws boxes and polygons in image pixels, in the class colour, clamped to the image", () => {
    const out = outlines(boxes, { boxes: [{ label: "car", x: 390, y: 10, w: 40, h: 20 }] }, size);
    expect(out).toEqual([{ type: "rect", label: "car", color: "#112233", x: 390, y: 10, width: 10, height: 20 }]);
    const poly = outlines(polygons, { polygons: [{ label: "road", points: [[0, 0], [100, 0], [50, 80]] }] }, size);
    expect(poly).toEqual([{ type: "polygon", label: "road", color: expect.stringMatching(/^#/), points: "0,0 100,0 50,80" }]);
    expect(outlines(classes, { label: "pos" }, size)).toEqual([]);
    expect(outlines(boxes, { boxes: "nonsense" }, size)).toEqual([]);
  });

  it("compares classification answers with the consensus", () => {
    expect(sameClasses(classes, { label: "pos" }, { label: "pos" })).toBe(true);
    expect(sameClasses(classes, { label: "pos" }, { label: "neg" })).toBe(false);
    expect(sameClasses(multi, { labels: ["neu", "pos"] }, { labels: ["pos", "neu"] })).toBe(true);
    expect(sameClasses(classes, { label: "pos" }, null)).toBeNull();
    expect(sameClasses(spans, { spans: [] }, { spans: [] })).toBeNull();
  });

  it("knows the image size only when the server does", () => {
    expect(imageSize({ width: 400, height: 300 })).toEqual(size);
    expect(imageSize({ width: null, height: 300 })).toBeNull();
  });
});
