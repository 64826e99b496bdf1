/**
 * Text spans in Unicode code points — the unit the server uses (Python string indices). The DOM
 * and JS strings count UTF-16 units, so every emoji or rare CJK character outside the BMP would
 * shift offsets by one; these helpers convert at the boundary.
 */
import type { Span } from "../api/types";

export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * The code-point index of a UTF-16 index. An index inside a surrogate pair rounds down for a
 * start ("floor") and up for an end ("ceil"), so a selection never splits a character.
 */
export function utf16ToCodePoint(text: string, index: number, round: "floor" | "ceil" = "floor"): number {
  const target = Math.max(0, Math.min(index, text.length));
  let units = 0;
  let cps = 0;
  for (const ch of text) {
    if (units >= target) break;
    if (units + ch.length > target) return round === "ceil" ? cps + 1 : cps;
    units += ch.length;
    cps++;
  }
  return cps;
}

export function codePointToUtf16(text: string, cp: number): number {
  let units = 0;
  let cps = 0;
  for (const ch of text) {
    if (cps >= cp) break;
    units += ch.length;
    cps++;
  }
  return units;
}

/** text[start:end] in code points, like Python. */
export function sliceCodePoints(text: string, start: number, end: number): string {
  return Array.from(text).slice(start, end).join("");
}

/**
 * A selection given as UTF-16 indices (either order) → code-point offsets with surrounding
 * whitespace trimmed; null when nothing but whitespace was selected.
 */
export function selectionToRange(text: string, a: number, b: number): { start: number; end: number } | null {
  const chars = Array.from(text);
  let start = utf16ToCodePoint(text, Math.min(a, b), "floor");
  let end = utf16ToCodePoint(text, Math.max(a, b), "ceil");
  while (start < end && /\s/u.test(chars[start] as string)) start++;
  while (end > start && /\s/u.test(chars[end - 1] as string)) end--;
  return start < end ? { start, end } : null;
}

export function sortSpans(spans: readonly Span[]): Span[] {
  return [...spans].sort((x, y) => x.start - y.start || x.end - y.end || (x.label < y.label ? -1 : x.label > y.label ? 1 : 0));
}

export type AddSpanResult = { ok: true; spans: Span[] } | { ok: false; error: "duplicate" | "overlap" };

/** Add a span, keeping the list sorted; refuses repeats and (unless allowed) overlaps. */
export function addSpan(spans: readonly Span[], span: Span, allowOverlap: boolean): AddSpanResult {
  for (const s of spans) {
    if (s.start === span.start && s.end === span.end && s.label === span.label) return { ok: false, error: "duplicate" };
    if (!allowOverlap && s.start < span.end && span.start < s.end) return { ok: false, error: "overlap" };
  }
  return { ok: true, spans: sortSpans([...spans, span]) };
}

export interface Segment {
  /** code points */
  start: number;
  end: number;
  text: string;
  /** indices into the spans list of the spans covering this piece */
  covering: number[];
}

/** Cut the text at every span boundary, for rendering highlights. Out-of-range spans are clipped. */
export function segments(text: string, spans: readonly Span[]): Segment[] {
  const chars = Array.from(text);
  const cuts = new Set<number>([0, chars.length]);
  for (const s of spans) {
    cuts.add(Math.max(0, Math.min(s.start, chars.length)));
    cuts.add(Math.max(0, Math.min(s.end, chars.length)));
  }
  const points = [...cuts].sort((x, y) => x - y);
  const out: Segment[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i] as number;
    const end = points[i + 1] as number;
    if (start === end) continue;
    const covering = spans.flatMap((s, j) => (s.start <= start && end <= s.end ? [j] : []));
    out.push({ start, end, text: chars.slice(start, end).join(""), covering });
  }
  return out;
}
