import { describe, expect, it } from "vitest";
import type { LabelSchema } from "../src/api/types";
import {
  buildAnswer,
  chooseLabel,
  draftAnswers,
  emptyWork,
  isSupported,
  keyByLabel,
  shortcutMap,
  workFromAnswer,
} from "../src/work/labels";

const cls = (multi = false): LabelSchema => ({
  kind: "text_classification",
  multi,
  labels: [{ name: "pos", title: "正面" }, { name: "neg" }, { name: "neu" }],
});

describe("shortcuts", () => {
  it("numbers labels 1–9 by position", () => {
    expect([...shortcutMap(cls().labels)]).toEqual([
      ["1", "pos"],
      ["2", "neg"],
      ["3", "neu"],
    ]);
  });

  it("lets a label's own shortcut win and skips digits already claimed", () => {
    const labels = [{ name: "a", shortcut: "2" }, { name: "b" }, { name: "c", shortcut: "x" }, { name: "d" }];
    const map = shortcutMap(labels);
    expect(map.get("2")).toBe("a");
    expect(map.get("x")).toBe("c");
    expect(map.get("4")).toBe("d");
    expect(map.has("1")).toBe(false); // "a" has its own key, so 1 stays free
    expect(keyByLabel(labels).get("b")).toBeUndefined(); // its digit (2) belongs to "a"
  });

  it("stops at nine positional keys", () => {
    const labels = Array.from({ length: 12 }, (_, i) => ({ name: `l${i}` }));
    const map = shortcutMap(labels);
    expect(map.size).toBe(9);
    expect(map.get("9")).toBe("l8");
  });
});

describe("answers", () => {
  it("single-label: a pick replaces the choice", () => {
    let w = chooseLabel(cls(), emptyWork(), "neg");
    w = chooseLabel(cls(), w, "pos");
    expect(buildAnswer(cls(), w)).toEqual({ label: "pos" });
  });

  it("multi-label: picks toggle and keep schema order", () => {
    const s = cls(true);
    let w = chooseLabel(s, emptyWork(), "neu");
    w = chooseLabel(s, w, "pos");
    expect(buildAnswer(s, w)).toEqual({ labels: ["pos", "neu"] });
    w = chooseLabel(s, w, "neu");
    expect(buildAnswer(s, w)).toEqual({ labels: ["pos"] });
    w = chooseLabel(s, w, "pos");
    expect(buildAnswer(s, w)).toBeNull();
  });

  it("ignores unknown labels and needs a choice before submitting", () => {
    expect(chooseLabel(cls(), emptyWork(), "nope").labels).toEqual([]);
    expect(buildAnswer(cls(), emptyWork())).toBeNull();
  });

  it("text spans: an empty list is an answer; output is sorted without extra fields", () => {
    const s: LabelSchema = { kind: "text_spans", labels: [{ name: "brand" }] };
    expect(buildAnswer(s, emptyWork())).toEqual({ spans: [] });
    const w = { ...emptyWork(), spans: [{ label: "brand", start: 5, end: 7 }, { label: "brand", start: 0, end: 2 }] };
    expect(buildAnswer(s, w)).toEqual({ spans: [{ label: "brand", start: 0, end: 2 }, { label: "brand", start: 5, end: 7 }] });
  });

  it("boxes and polygons: an empty list is an answer; the chosen class is not part of it", () => {
    const boxes: LabelSchema = { kind: "image_boxes", labels: [{ name: "car" }] };
    const polys: LabelSchema = { kind: "image_polygons", labels: [{ name: "car" }] };
    expect(isSupported(boxes) && isSupported(polys)).toBe(true);
    expect(buildAnswer(boxes, emptyWork())).toEqual({ boxes: [] });
    expect(buildAnswer(polys, emptyWork())).toEqual({ polygons: [] });
    const box = { label: "car", x: 1, y: 2, w: 3, h: 4 };
    expect(buildAnswer(boxes, { ...emptyWork(), labels: ["car"], boxes: [box] })).toEqual({ boxes: [box] });
    const poly = { label: "car", points: [[0, 0], [4, 0], [0, 3]] as [number, number][] };
    expect(buildAnswer(polys, { ...emptyWork(), polygons: [poly] })).toEqual({ polygons: [poly] });
  });
});

describe("drafts", () => {
  it("round-trips work through the draft body", () => {
    const s = cls(true);
    const works = new Map([[7, chooseLabel(s, emptyWork(), "neg")], [8, emptyWork()]]);
    const draft = draftAnswers(s, works);
    expect(draft).toEqual({ "7": { labels: ["neg"] } });
    expect(workFromAnswer(s, draft["7"]).labels).toEqual(["neg"]);
    expect(workFromAnswer(s, draft["8"])).toEqual(emptyWork());
  });

  it("drops malformed or unknown parts of a saved draft", () => {
    expect(workFromAnswer(cls(), { label: "gone" }).labels).toEqual([]);
    expect(workFromAnswer(cls(), "junk").labels).toEqual([]);
    const spans: LabelSchema = { kind: "text_spans", labels: [{ name: "brand" }] };
    const w = workFromAnswer(spans, {
      spans: [
        { label: "brand", start: 0, end: 2 },
        { label: "other", start: 3, end: 4 },
        { label: "brand", start: 5, end: 5 },
        { label: "brand", start: "1", end: 2 },
      ],
    });
    expect(w.spans).toEqual([{ label: "brand", start: 0, end: 2 }]);
  });

  it("round-trips boxes and polygons, clamped to the image", () => {
    const boxes: LabelSchema = { kind: "image_boxes", labels: [{ name: "car" }, { name: "person" }] };
    const box = { label: "person", x: 10, y: 20, w: 30, h: 40 };
    const draft = draftAnswers(boxes, new Map([[1, { ...emptyWork(), labels: ["car"], boxes: [box] }], [2, emptyWork()]]));
    expect(draft).toEqual({ "1": { boxes: [box] } });
    expect(workFromAnswer(boxes, draft["1"], { width: 100, height: 100 }).boxes).toEqual([box]);
    expect(workFromAnswer(boxes, { boxes: [{ ...box, w: 300 }, { ...box, label: "gone" }, "junk"] }, { width: 100, height: 50 }).boxes).toEqual([
      { label: "person", x: 10, y: 20, w: 90, h: 30 },
    ]);
    const polys: LabelSchema = { kind: "image_polygons", labels: [{ name: "car" }] };
    const poly = { label: "car", points: [[0, 0], [4, 0], [0, 3]] as [number, number][] };
    const pd = draftAnswers(polys, new Map([[1, { ...emptyWork(), polygons: [poly] }]]));
    expect(workFromAnswer(polys, pd["1"]).polygons).toEqual([poly]);
    expect(workFromAnswer(polys, { polygons: [{ label: "car", points: [[0, 0], [1, "x"], [2, 2]] }] }).polygons).toEqual([]);
  });
});
