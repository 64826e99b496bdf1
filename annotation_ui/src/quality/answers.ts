/**
 * Stored answers as the review page shows them, without the DOM: the classes an answer chose
 * (or drew), and boxes/polygons as SVG outlines in image pixels. The SVG's viewBox is the
 * image's pixel size, so the outlines scale with whatever size the image is displayed at.
 * Answers are read like drafts (src/work/labels.ts workFromAnswer): malformed parts are dropped.
 */
import type { LabelSchema } from "../api/types";
import { isClassification, isShapeKind, workFromAnswer } from "../work/labels";
import { shapeColor, type ImageSize } from "../work/shapes";

export interface Tally {
  label: string;
  count: number;
}

/** Classes of a classification answer (schema order); for shapes, each class with how many. */
export function answerClasses(schema: LabelSchema, answer: unknown, size?: ImageSize): Tally[] {
  const work = workFromAnswer(schema, answer, size);
  if (isClassification(schema)) return work.labels.map((label) => ({ label, count: 1 }));
  const names = isShapeKind(schema)
    ? [...work.boxes, ...work.polygons].map((s) => s.label)
    : work.spans.map((s) => s.label);
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return schema.labels.filter((l) => counts.has(l.name)).map((l) => ({ label: l.name, count: counts.get(l.name)! }));
}

export type Outline =
  | { type: "rect"; label: string; color: string; x: number; y: number; width: number; height: number }
  | { type: "polygon"; label: string; color: string; points: string };

/** The boxes or polygons of an answer as SVG shapes in image pixels, in drawing order. */
export function outlines(schema: LabelSchema, answer: unknown, size: ImageSize): Outline[] {
  if (!isShapeKind(schema)) return [];
  const work = workFromAnswer(schema, answer, size);
  const color = (label: string) => shapeColor(schema.labels, label);
  return [
    ...work.boxes.map((b): Outline => ({ type: "rect", label: b.label, color: color(b.label), x: b.x, y: b.y, width: b.w, height: b.h })),
    ...work.polygons.map(
      (p): Outline => ({ type: "polygon", label: p.label, color: color(p.label), points: p.points.map(([x, y]) => `${x},${y}`).join(" ") }),
    ),
  ];
}

/** For classification: does the answer choose the same classes as the consensus? Else null
 * (drawings and spans are compared by the server, which reports `agrees` once decided). */
export function sameClasses(schema: LabelSchema, answer: unknown, consensus: unknown): boolean | null {
  if (!isClassification(schema) || consensus === null || consensus === undefined) return null;
  const a = workFromAnswer(schema, answer).labels;
  const b = workFromAnswer(schema, consensus).labels;
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** The image's pixel size for drawing; null when the server does not know it. */
export function imageSize(item: { width: number | null; height: number | null }): ImageSize | null {
  return item.width && item.height ? { width: item.width, height: item.height } : null;
}
