/**
 * Drawing boxes or polygons on one image with Annotorious. The library (and its CSS) is loaded
 * with a dynamic import on the first box/polygon item, so other jobs never download it.
 *
 * The editor owns everything inside its host element (lit-html renders the host empty and never
 * touches its children): the <img> and the wrapper and SVG layer Annotorious adds around it.
 * Every change in Annotorious' store (drawing, moving a corner, relabeling, deleting) is turned
 * into answer parts by the pure src/work/shapes.ts and handed to `onChange`.
 */
import type { ImageAnnotation, ImageAnnotator } from "@annotorious/annotorious";
import type { LabelSchema, WorkItem } from "../api/types";
import {
  annotationLabel,
  boxToAnnotation,
  polygonToAnnotation,
  shapeColor,
  shapesFromAnnotations,
  withLabel,
  type Box,
  type PolygonShape,
  type ShapeAnnotation,
} from "./shapes";

export interface ShapeEditorOptions {
  host: HTMLElement;
  item: WorkItem;
  schema: LabelSchema;
  alt: string;
  boxes: readonly Box[];
  polygons: readonly PolygonShape[];
  /** The class a new shape gets. */
  currentLabel(): string;
  onChange(shapes: { boxes: Box[]; polygons: PolygonShape[] }): void;
  /** The image did not load (or the library failed to). */
  onBroken(): void;
  /** Accessible names: the drawing layer (focusable, role "application") and its shape handles. */
  names: { layer: string; handle: string };
  /** Other annotators' shapes (jobs that are not blind): drawn dashed, read-only, under ours. */
  others?: { boxes: readonly Box[]; polygons: readonly PolygonShape[] };
}

export interface ShapeEditor {
  /** Give the selected shapes this class; false when none is selected. */
  relabelSelected(label: string): boolean;
  /** Remove the selected shapes; false when none is selected. */
  deleteSelected(): boolean;
  hasSelection(): boolean;
  /** Replace every shape (undo/redo); does not report back through onChange. */
  setShapes(shapes: { boxes: readonly Box[]; polygons: readonly PolygonShape[] }): void;
  destroy(): void;
}

const asNative = (a: ShapeAnnotation) => a as unknown as ImageAnnotation;
const asShape = (a: ImageAnnotation) => a as unknown as ShapeAnnotation;
const SVG = "http://www.w3.org/2000/svg";

/** The others' shapes as a dashed SVG layer in image pixels (scales with the image). */
function othersLayer(size: { width: number; height: number }, others: NonNullable<ShapeEditorOptions["others"]>, color: (label: string) => string): SVGSVGElement {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "others-layer");
  svg.setAttribute("viewBox", `0 0 ${size.width} ${size.height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  svg.setAttribute("aria-hidden", "true");
  const add = (el: SVGElement, label: string) => {
    el.setAttribute("stroke", color(label));
    el.setAttribute("data-label", label);
    svg.appendChild(el);
  };
  for (const b of others.boxes) {
    const rect = document.createElementNS(SVG, "rect");
    for (const [k, v] of [["x", b.x], ["y", b.y], ["width", b.w], ["height", b.h]] as const) rect.setAttribute(k, String(v));
    add(rect, b.label);
  }
  for (const p of others.polygons) {
    const poly = document.createElementNS(SVG, "polygon");
    poly.setAttribute("points", p.points.map(([x, y]) => `${x},${y}`).join(" "));
    add(poly, p.label);
  }
  return svg;
}

export function mountShapeEditor(o: ShapeEditorOptions): ShapeEditor {
  let annotator: ImageAnnotator | null = null;
  let destroyed = false;
  /** The shapes to start with (a draft, or an undo made before the library loaded). */
  let initialShapes: { boxes: readonly Box[]; polygons: readonly PolygonShape[] } = { boxes: o.boxes, polygons: o.polygons };
  let last = JSON.stringify(initialShapes);
  let restores = 0;
  let labelObserver: MutationObserver | null = null;
  const known = new Set(o.schema.labels.map((l) => l.name));

  const img = document.createElement("img");
  img.className = "item-image shape-image";
  img.alt = o.alt;
  img.draggable = false;
  if (o.item.width && o.item.height) {
    img.width = o.item.width;
    img.height = o.item.height;
  }
  img.src = o.item.image_url ?? "";
  o.host.replaceChildren(img);

  function size() {
    return { width: o.item.width ?? img.naturalWidth, height: o.item.height ?? img.naturalHeight };
  }

  function sync(): void {
    if (!annotator || destroyed) return;
    const all = annotator.getAnnotations().map(asShape);
    const shapes = shapesFromAnnotations(all, size(), known, o.currentLabel(), o.schema.min_size_px ?? 0);
    const json = JSON.stringify(shapes);
    if (json === last) return;
    last = json;
    o.onChange(shapes);
  }

  async function start(): Promise<void> {
    const [lib] = await Promise.all([
      import("@annotorious/annotorious"),
      import("@annotorious/annotorious/annotorious.css"),
      img.decode(),
    ]);
    if (destroyed) return;
    const a = lib.createImageAnnotator(img, {
      drawingEnabled: true,
      // Boxes: press, drag, release. Polygons: click each corner, click the first (or double-click) to close.
      drawingMode: o.schema.kind === "image_polygons" ? "click" : "drag",
      style: (ann, state) => {
        const color = shapeColor(o.schema.labels, annotationLabel(asShape(ann)) ?? o.currentLabel());
        return { fill: color, fillOpacity: state?.selected ? 0.3 : 0.15, stroke: color, strokeOpacity: 1, strokeWidth: state?.selected ? 3 : 2 };
      },
    });
    annotator = a;
    a.setDrawingTool(o.schema.kind === "image_polygons" ? "polygon" : "rectangle");
    const initial = toAnnotations(initialShapes, "draft");
    if (initial.length) a.setAnnotations(initial);
    // A new shape takes the class chosen now; later class keys relabel the selected shape.
    // It also becomes the selected one (closing a polygon on its first corner leaves nothing
    // selected otherwise), so Delete removes it and a class key relabels it right away. Selecting
    // after the event: the closing click is still being handled when it fires.
    a.on("createAnnotation", (ann) => {
      if (!annotationLabel(asShape(ann))) a.updateAnnotation(asNative(withLabel(asShape(ann), o.currentLabel())));
      setTimeout(() => {
        if (annotator === a && !destroyed && a.getAnnotationById(ann.id)) a.setSelected(ann.id);
      });
    });
    a.state.store.observe(() => sync());
    nameControls(img.parentElement);
    if (o.others && o.others.boxes.length + o.others.polygons.length > 0) {
      img.after(othersLayer(size(), o.others, (label) => shapeColor(o.schema.labels, label)));
    }
    sync();
  }

  /** Annotorious' layer and the handles of a selected shape are focusable but unnamed: name them
   *  (handles come and go with the selection, hence the observer). */
  function nameControls(container: Element | null): void {
    const layer = container?.querySelector("svg.a9s-annotationlayer");
    if (!layer) return;
    layer.setAttribute("aria-label", o.names.layer);
    const name = () => {
      for (const el of layer.querySelectorAll("[tabindex]:not([aria-label])")) el.setAttribute("aria-label", o.names.handle);
    };
    labelObserver = new MutationObserver(name);
    labelObserver.observe(layer, { childList: true, subtree: true });
    name();
  }

  function toAnnotations(shapes: { boxes: readonly Box[]; polygons: readonly PolygonShape[] }, prefix: string): ImageAnnotation[] {
    return [
      ...shapes.boxes.map((b, i) => boxToAnnotation(b, `${prefix}-box-${i}`)),
      ...shapes.polygons.map((p, i) => polygonToAnnotation(p, `${prefix}-polygon-${i}`)),
    ].map(asNative);
  }

  img.addEventListener("error", () => !destroyed && o.onBroken(), { once: true });
  start().catch(() => !destroyed && o.onBroken());

  function selected(): ShapeAnnotation[] {
    return annotator ? annotator.getSelected().map(asShape) : [];
  }

  return {
    relabelSelected(label) {
      const chosen = selected();
      for (const ann of chosen) annotator?.updateAnnotation(asNative(withLabel(ann, label)));
      sync();
      return chosen.length > 0;
    },
    deleteSelected() {
      const chosen = selected();
      if (!chosen.length) return false;
      annotator?.cancelSelected();
      for (const ann of chosen) annotator?.removeAnnotation(ann.id);
      sync();
      return true;
    },
    hasSelection: () => selected().length > 0,
    setShapes(shapes) {
      // Set first: the store's change events then find nothing new to report.
      last = JSON.stringify({ boxes: shapes.boxes, polygons: shapes.polygons });
      initialShapes = shapes;
      if (!annotator) return;
      annotator.cancelSelected();
      restores += 1;
      annotator.setAnnotations(toAnnotations(shapes, `undo-${restores}`), true);
    },
    destroy() {
      destroyed = true;
      labelObserver?.disconnect();
      annotator?.destroy();
      annotator = null;
      o.host.replaceChildren();
    },
  };
}
