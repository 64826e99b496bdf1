/**
 * Image boxes and polygons without the DOM: Annotorious shapes (its native model, coordinates in
 * the image's natural pixels) ↔ the answers the server validates (app/labeling/answers.py):
 * `{"boxes": [{label, x, y, w, h}]}` and `{"polygons": [{label, points: [[x, y], ...]}]}`.
 *
 * Everything is clamped to the image (0..width, 0..height) and rounded to 2 decimals. A shape
 * that clamping leaves without area (or a box under the job's minimum size, which the server
 * would refuse) is dropped, as are repeated points (the server refuses those too).
 *
 * The types here mirror the parts of Annotorious' model we use, so this module (and its tests)
 * never loads the library.
 */
import type { LabelDef } from "../api/types";

export interface Box {
  label: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface PolygonShape {
  label: string;
  points: [number, number][];
}

export interface ImageSize {
  width: number;
  height: number;
}

interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Annotorious' RECTANGLE and POLYGON selectors (ShapeType is a string enum). */
export type ShapeSelector =
  | { type: "RECTANGLE"; geometry: { x: number; y: number; w: number; h: number; bounds: Bounds } }
  | { type: "POLYGON"; geometry: { points: number[][]; bounds: Bounds } };

/** The part of an Annotorious ImageAnnotation we read and write. */
export interface ShapeAnnotation {
  id: string;
  bodies: { id: string; annotation: string; purpose?: string; value?: string }[];
  target: { annotation: string; selector: { type: string; geometry: unknown } };
}

export const round2 = (n: number): number => Math.round(n * 100) / 100 + 0; // + 0: no -0

const clamp = (n: number, max: number): number => round2(Math.min(Math.max(n, 0), max));

/** A rectangle (any corner order) as a box inside the image, or null if too small. */
export function rectToBox(label: string, x: number, y: number, w: number, h: number, size: ImageSize, minSize = 0): Box | null {
  if (![x, y, w, h].every(Number.isFinite)) return null;
  const x0 = clamp(Math.min(x, x + w), size.width);
  const x1 = clamp(Math.max(x, x + w), size.width);
  const y0 = clamp(Math.min(y, y + h), size.height);
  const y1 = clamp(Math.max(y, y + h), size.height);
  const bw = round2(x1 - x0);
  const bh = round2(y1 - y0);
  if (bw <= 0 || bh <= 0 || bw < minSize || bh < minSize) return null;
  return { label, x: x0, y: y0, w: bw, h: bh };
}

/** Points inside the image, without repeats (consecutive, or the last equal to the first). */
export function cleanPolygon(label: string, points: readonly (readonly number[])[], size: ImageSize): PolygonShape | null {
  const out: [number, number][] = [];
  for (const p of points) {
    const [x, y] = p;
    if (x === undefined || y === undefined || !Number.isFinite(x) || !Number.isFinite(y)) return null;
    const pt: [number, number] = [clamp(x, size.width), clamp(y, size.height)];
    const prev = out[out.length - 1];
    if (!prev || prev[0] !== pt[0] || prev[1] !== pt[1]) out.push(pt);
  }
  while (out.length > 1 && out[0]![0] === out[out.length - 1]![0] && out[0]![1] === out[out.length - 1]![1]) out.pop();
  if (out.length < 3 || polygonArea(out) === 0) return null;
  return { label, points: out };
}

function polygonArea(points: readonly [number, number][]): number {
  let twice = 0;
  points.forEach(([x, y], i) => {
    const [nx, ny] = points[(i + 1) % points.length]!;
    twice += x * ny - nx * y;
  });
  return Math.abs(twice) / 2;
}

function boundsOf(points: readonly (readonly number[])[]): Bounds {
  const xs = points.map((p) => p[0] ?? 0);
  const ys = points.map((p) => p[1] ?? 0);
  return { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) };
}

/** The class an annotation carries: its "classifying" body. */
export function annotationLabel(a: ShapeAnnotation): string | undefined {
  return a.bodies.find((b) => b.purpose === "classifying")?.value;
}

/** An annotation with this class (replaces the classifying body, keeps the others). */
export function withLabel<T extends ShapeAnnotation>(a: T, label: string): T {
  const others = a.bodies.filter((b) => b.purpose !== "classifying");
  return { ...a, bodies: [...others, { id: `${a.id}-class`, annotation: a.id, purpose: "classifying", value: label }] };
}

function annotation(id: string, label: string, selector: ShapeSelector): ShapeAnnotation {
  return withLabel({ id, bodies: [], target: { annotation: id, selector } }, label);
}

export function boxToAnnotation(box: Box, id: string): ShapeAnnotation {
  const { x, y, w, h } = box;
  return annotation(id, box.label, { type: "RECTANGLE", geometry: { x, y, w, h, bounds: { minX: x, minY: y, maxX: x + w, maxY: y + h } } });
}

export function polygonToAnnotation(poly: PolygonShape, id: string): ShapeAnnotation {
  const points = poly.points.map(([x, y]) => [x, y]);
  return annotation(id, poly.label, { type: "POLYGON", geometry: { points, bounds: boundsOf(points) } });
}

/**
 * The shapes drawn on an image as answer parts, in drawing order. Annotations without a known
 * class get `fallback` (the class chosen when none was set). Other shape types are ignored.
 */
export function shapesFromAnnotations(
  annotations: readonly ShapeAnnotation[],
  size: ImageSize,
  known: ReadonlySet<string>,
  fallback: string,
  minSize = 0,
): { boxes: Box[]; polygons: PolygonShape[] } {
  const boxes: Box[] = [];
  const polygons: PolygonShape[] = [];
  for (const a of annotations) {
    const named = annotationLabel(a);
    const label = named && known.has(named) ? named : fallback;
    const { type, geometry } = a.target.selector;
    const g = geometry as Record<string, unknown>;
    if (type === "RECTANGLE") {
      const box = rectToBox(label, Number(g.x), Number(g.y), Number(g.w), Number(g.h), size, minSize);
      if (box) boxes.push(box);
    } else if (type === "POLYGON" && Array.isArray(g.points)) {
      const poly = cleanPolygon(label, g.points as number[][], size);
      if (poly) polygons.push(poly);
    }
  }
  return { boxes, polygons };
}

/** Boxes from a saved draft (or anything else): malformed entries and unknown classes dropped. */
export function boxesFromAnswer(raw: unknown, size: ImageSize, known: ReadonlySet<string>): Box[] {
  if (!Array.isArray(raw)) return [];
  const out: Box[] = [];
  for (const b of raw) {
    if (!b || typeof b !== "object") continue;
    const { label, x, y, w, h } = b as Record<string, unknown>;
    if (typeof label !== "string" || !known.has(label)) continue;
    if (![x, y, w, h].every((n) => typeof n === "number")) continue;
    const box = rectToBox(label, x as number, y as number, w as number, h as number, size);
    if (box) out.push(box);
  }
  return out;
}

export function polygonsFromAnswer(raw: unknown, size: ImageSize, known: ReadonlySet<string>): PolygonShape[] {
  if (!Array.isArray(raw)) return [];
  const out: PolygonShape[] = [];
  for (const p of raw) {
    if (!p || typeof p !== "object") continue;
    const { label, points } = p as Record<string, unknown>;
    if (typeof label !== "string" || !known.has(label) || !Array.isArray(points)) continue;
    if (!points.every((pt) => Array.isArray(pt) && pt.length === 2 && pt.every((n) => typeof n === "number"))) continue;
    const poly = cleanPolygon(label, points as number[][], size);
    if (poly) out.push(poly);
  }
  return out;
}

/** Colours for labels without their own (distinct hues, readable on photos). */
export const FALLBACK_COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#9a6324", "#808000"] as const;

/** The colour a label's shapes are drawn in: its own "#rrggbb", else one by its position. */
export function shapeColor(labels: readonly LabelDef[], name: string | undefined): `#${string}` {
  const i = labels.findIndex((l) => l.name === name);
  const own = labels[i]?.color;
  if (own && /^#[0-9a-f]{6}$/i.test(own)) return own as `#${string}`;
  return FALLBACK_COLORS[Math.max(i, 0) % FALLBACK_COLORS.length]!;
}
