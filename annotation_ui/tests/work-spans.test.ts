import { describe, expect, it } from "vitest";
import {
  addSpan,
  codePointLength,
  codePointToUtf16,
  segments,
  selectionToRange,
  sliceCodePoints,
  utf16ToCodePoint,
} from "../src/work/spans";

// "😀" and "𠮷" are outside the BMP: one code point, two UTF-16 units each.
const TEXT = "在京东买的😀华为Mate 60，𠮷野家 很好";

describe("code-point offsets", () => {
  it("counts code points, not UTF-16 units", () => {
    expect("😀".length).toBe(2);
    expect(codePointLength("😀")).toBe(1);
    expect(codePointLength(TEXT)).toBe(Array.from(TEXT).length);
    expect(codePointLength(TEXT)).toBe(TEXT.length - 2);
  });

  it("converts UTF-16 indices after an emoji", () => {
    const u = TEXT.indexOf("华为"); // 7 units: 5 CJK + 2 for the emoji
    expect(u).toBe(7);
    expect(utf16ToCodePoint(TEXT, u)).toBe(6);
    expect(codePointToUtf16(TEXT, 6)).toBe(7);
    expect(sliceCodePoints(TEXT, 6, 8)).toBe("华为");
  });

  it("never splits a surrogate pair", () => {
    const inside = TEXT.indexOf("😀") + 1;
    expect(utf16ToCodePoint(TEXT, inside, "floor")).toBe(5);
    expect(utf16ToCodePoint(TEXT, inside, "ceil")).toBe(6);
  });

  it("clamps out-of-range indices", () => {
    expect(utf16ToCodePoint(TEXT, -3)).toBe(0);
    expect(utf16ToCodePoint(TEXT, 999)).toBe(codePointLength(TEXT));
  });

  it("maps a DOM-style selection (UTF-16, any direction) to a trimmed code-point range", () => {
    const a = TEXT.indexOf("𠮷");
    const b = a + "𠮷野家".length;
    const range = selectionToRange(TEXT, b, a)!;
    expect(sliceCodePoints(TEXT, range.start, range.end)).toBe("𠮷野家");
    expect(range.end - range.start).toBe(3);
    // Python's text[start:end] agrees: the emoji before counts as one.
    expect(range.start).toBe(Array.from(TEXT).indexOf("𠮷"));
  });

  it("trims whitespace and rejects blank selections", () => {
    const s = TEXT.indexOf(" 60");
    const r = selectionToRange(TEXT, s, s + 3)!;
    expect(sliceCodePoints(TEXT, r.start, r.end)).toBe("60");
    expect(selectionToRange(TEXT, s, s + 1)).toBeNull();
    expect(selectionToRange(TEXT, 4, 4)).toBeNull();
  });
});

describe("span list", () => {
  it("keeps spans sorted and refuses repeats and overlaps", () => {
    let spans = [{ label: "brand", start: 6, end: 8 }];
    const added = addSpan(spans, { label: "brand", start: 1, end: 3 }, false);
    expect(added.ok).toBe(true);
    if (added.ok) spans = added.spans;
    expect(spans.map((s) => s.start)).toEqual([1, 6]);
    expect(addSpan(spans, { label: "brand", start: 1, end: 3 }, true)).toEqual({ ok: false, error: "duplicate" });
    expect(addSpan(spans, { label: "product", start: 7, end: 10 }, false)).toEqual({ ok: false, error: "overlap" });
    expect(addSpan(spans, { label: "product", start: 7, end: 10 }, true).ok).toBe(true);
    // touching is not overlapping
    expect(addSpan(spans, { label: "product", start: 8, end: 10 }, false).ok).toBe(true);
  });

  it("cuts the text into highlight segments in code points", () => {
    const segs = segments("😀华为手机", [{ label: "brand", start: 1, end: 3 }]);
    expect(segs.map((s) => [s.text, s.covering])).toEqual([
      ["😀", []],
      ["华为", [0]],
      ["手机", []],
    ]);
    expect(segs.map((s) => s.text).join("")).toBe("😀华为手机");
  });
});
