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
    const w = { labels: [], spans: [{ label: "brand", start: 5, end: 7 }, { label: "brand", start: 0, end: 2 }] };
    expect(buildAnswer(s, w)).toEqual({ spans: [{ label: "brand", start: 0, end: 2 }, { label: "brand", start: 5, end: 7 }] });
  });

  it("boxes and polygons are not supported in this slice", () => {
    expect(isSupported({ kind: "image_boxes", labels: [{ name: "a" }] })).toBe(false);
    expect(isSupported({ kind: "image_polygons", labels: [{ name: "a" }] })).toBe(false);
    expect(isSupported({ kind: "image_classification", labels: [{ name: "a" }] })).toBe(true);
    expect(buildAnswer({ kind: "image_boxes", labels: [{ name: "a" }] }, emptyWork())).toBeNull();
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
});
