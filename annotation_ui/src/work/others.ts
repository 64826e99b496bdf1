/**
 * Other annotators' labels on jobs that are not blind: the `others` of an assignment
 * (`[{item_id, answer}]`, one entry per label already submitted) summarised per item, read-only.
 * Answers are parsed like drafts (workFromAnswer), so anything malformed is dropped.
 */
import type { LabelSchema } from "../api/types";
import { isClassification, isShapeKind, workFromAnswer } from "./labels";
import type { Box, ImageSize, PolygonShape } from "./shapes";

export interface OtherAnswer {
  item_id: number;
  answer: unknown;
}

export interface Tally {
  label: string;
  count: number;
}

export interface SpanTally {
  label: string;
  start: number;
  end: number;
  count: number;
}

export interface OthersSummary {
  /** How many labels the other annotators submitted for this item. */
  answers: number;
  /** Classification: how many chose each class; shapes: how many shapes of each class. */
  classes: Tally[];
  /** Text spans: each distinct span, with how many marked it. */
  spans: SpanTally[];
  /** Everything drawn by the others, for the dashed outlines. */
  boxes: Box[];
  polygons: PolygonShape[];
}

const byCountThenSchema = (schema: LabelSchema) => {
  const order = new Map(schema.labels.map((l, i) => [l.name, i]));
  return (a: Tally, b: Tally) => b.count - a.count || (order.get(a.label) ?? 0) - (order.get(b.label) ?? 0);
};

export function summariseOthers(schema: LabelSchema, others: readonly OtherAnswer[], itemId: number, size?: ImageSize): OthersSummary {
  const mine = others.filter((o) => o.item_id === itemId);
  const classes = new Map<string, number>();
  const spans = new Map<string, SpanTally>();
  const out: OthersSummary = { answers: mine.length, classes: [], spans: [], boxes: [], polygons: [] };
  const count = (label: string) => classes.set(label, (classes.get(label) ?? 0) + 1);
  for (const other of mine) {
    const work = workFromAnswer(schema, other.answer, size);
    if (isClassification(schema)) work.labels.forEach(count);
    else if (isShapeKind(schema)) {
      out.boxes.push(...work.boxes);
      out.polygons.push(...work.polygons);
      [...work.boxes, ...work.polygons].forEach((s) => count(s.label));
    } else if (schema.kind === "text_spans") {
      for (const s of work.spans) {
        const key = `${s.label}:${s.start}:${s.end}`;
        const seen = spans.get(key);
        if (seen) seen.count += 1;
        else spans.set(key, { label: s.label, start: s.start, end: s.end, count: 1 });
      }
    }
  }
  out.classes = [...classes].map(([label, n]) => ({ label, count: n })).sort(byCountThenSchema(schema));
  out.spans = [...spans.values()].sort((a, b) => a.start - b.start || a.end - b.end || a.label.localeCompare(b.label));
  return out;
}
