/**
 * Label schema logic for the workstation, without the DOM: which key picks which label, and how
 * an item's work in progress becomes the answer the server validates (app/labeling/answers.py).
 */
import type { Answer, LabelDef, LabelKind, LabelSchema, Span } from "../api/types";
import { boxesFromAnswer, polygonsFromAnswer, type Box, type ImageSize, type PolygonShape } from "./shapes";
import { sortSpans } from "./spans";

/** Kinds this version of the workstation can label; the others can only be skipped. */
export const SUPPORTED_KINDS: readonly LabelKind[] = [
  "text_classification",
  "image_classification",
  "text_spans",
  "image_boxes",
  "image_polygons",
];

export function isSupported(schema: LabelSchema): boolean {
  return SUPPORTED_KINDS.includes(schema.kind);
}

export function isClassification(schema: LabelSchema): boolean {
  return schema.kind === "text_classification" || schema.kind === "image_classification";
}

/** Boxes and polygons: drawn on the image with Annotorious (src/work/shape-editor.ts). */
export function isShapeKind(schema: LabelSchema): boolean {
  return schema.kind === "image_boxes" || schema.kind === "image_polygons";
}

export function labelTitle(label: LabelDef): string {
  return label.title || label.name;
}

/**
 * Key → label name. A label's own `shortcut` wins; a label without one gets its position's digit
 * (1–9) unless another label claimed that digit. Keys are lowercase.
 */
export function shortcutMap(labels: readonly LabelDef[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const l of labels) if (l.shortcut) map.set(l.shortcut.toLowerCase(), l.name);
  labels.slice(0, 9).forEach((l, i) => {
    const digit = String(i + 1);
    if (!l.shortcut && !map.has(digit)) map.set(digit, l.name);
  });
  return map;
}

/** Label name → its key, for showing the key next to each label. */
export function keyByLabel(labels: readonly LabelDef[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, name] of shortcutMap(labels)) out.set(name, key);
  return out;
}

/**
 * The work in progress on one item (only the part its kind uses is filled). For boxes and
 * polygons `labels` holds the class new shapes get (not part of the answer).
 */
export interface ItemWork {
  labels: string[];
  spans: Span[];
  boxes: Box[];
  polygons: PolygonShape[];
}

export const emptyWork = (): ItemWork => ({ labels: [], spans: [], boxes: [], polygons: [] });

/** Pick a class: single-label replaces the choice, multi-label toggles it (schema order kept). */
export function chooseLabel(schema: LabelSchema, work: ItemWork, name: string): ItemWork {
  if (!schema.labels.some((l) => l.name === name)) return work;
  if (!schema.multi) return { ...work, labels: [name] };
  const chosen = new Set(work.labels);
  if (chosen.has(name)) chosen.delete(name);
  else chosen.add(name);
  return { ...work, labels: schema.labels.map((l) => l.name).filter((n) => chosen.has(n)) };
}

/**
 * The answer to submit, or null while the item is not answered yet. A classification needs at
 * least one label (an annotator for whom none fits skips the item); an empty span list is a
 * valid answer ("nothing to mark in this text").
 */
export function buildAnswer(schema: LabelSchema, work: ItemWork): Answer | null {
  if (isClassification(schema)) {
    if (!work.labels.length) return null;
    return schema.multi ? { labels: [...work.labels] } : { label: work.labels[0] as string };
  }
  if (schema.kind === "text_spans") {
    return { spans: sortSpans(work.spans).map(({ label, start, end }) => ({ label, start, end })) };
  }
  // An empty list is an answer too ("nothing to outline on this image").
  if (schema.kind === "image_boxes") return { boxes: work.boxes.map((b) => ({ ...b })) };
  if (schema.kind === "image_polygons") {
    return { polygons: work.polygons.map((p) => ({ label: p.label, points: p.points.map(([x, y]) => [x, y]) })) };
  }
  return null;
}

/**
 * Work restored from a saved draft answer; anything malformed or unknown is dropped. Shapes are
 * clamped to `size` (the image's pixels) when it is known.
 */
export function workFromAnswer(schema: LabelSchema, answer: unknown, size?: ImageSize): ItemWork {
  const work = emptyWork();
  if (!answer || typeof answer !== "object") return work;
  const known = new Set(schema.labels.map((l) => l.name));
  const a = answer as Record<string, unknown>;
  if (isClassification(schema)) {
    const raw = schema.multi ? a.labels : [a.label];
    if (Array.isArray(raw)) {
      const chosen = new Set(raw.filter((n): n is string => typeof n === "string" && known.has(n)));
      work.labels = schema.labels.map((l) => l.name).filter((n) => chosen.has(n));
      if (!schema.multi) work.labels = work.labels.slice(0, 1);
    }
  } else if (schema.kind === "text_spans" && Array.isArray(a.spans)) {
    work.spans = a.spans.filter(
      (s): s is Span =>
        !!s &&
        typeof s === "object" &&
        known.has((s as Span).label) &&
        Number.isInteger((s as Span).start) &&
        Number.isInteger((s as Span).end) &&
        (s as Span).start < (s as Span).end,
    );
  } else if (isShapeKind(schema)) {
    const bounds = size ?? { width: Infinity, height: Infinity };
    if (schema.kind === "image_boxes") work.boxes = boxesFromAnswer(a.boxes, bounds, known);
    else work.polygons = polygonsFromAnswer(a.polygons, bounds, known);
  }
  return work;
}

/** The draft body for PUT draft: answers by item id (partial answers included). */
export function draftAnswers(schema: LabelSchema, works: ReadonlyMap<number, ItemWork>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [itemId, work] of works) {
    if (isClassification(schema)) {
      if (work.labels.length) out[String(itemId)] = schema.multi ? { labels: work.labels } : { label: work.labels[0] };
    } else if (schema.kind === "text_spans") {
      if (work.spans.length) out[String(itemId)] = { spans: work.spans };
    } else if (schema.kind === "image_boxes") {
      if (work.boxes.length) out[String(itemId)] = { boxes: work.boxes };
    } else if (schema.kind === "image_polygons") {
      if (work.polygons.length) out[String(itemId)] = { polygons: work.polygons };
    }
  }
  return out;
}
