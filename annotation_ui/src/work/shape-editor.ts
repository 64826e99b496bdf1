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
}

export interface ShapeEditor {
  /** Give the selected shapes this class; false when none is selected. */
  relabelSelected(label: string): boolean;
  /** Remove the selected shapes; false when none is selected. */
  deleteSelected(): boolean;
  destroy(): void;
}

const asNative = (a: ShapeAnnotation) => a as unknown as ImageAnnotation;
const asShape = (a: ImageAnnotation) => a as unknown as ShapeAnnotation;

export function mountShapeEditor(o: ShapeEditorOptions): ShapeEditor {
  let annotator: ImageAnnotator | null = null;
  let destroyed = false;
  let last = JSON.stringify({ boxes: o.boxes, polygons: o.polygons });
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
    const initial = [
      ...o.boxes.map((b, i) => boxToAnnotation(b, `draft-box-${i}`)),
      ...o.polygons.map((p, i) => polygonToAnnotation(p, `draft-polygon-${i}`)),
    ];
    if (initial.length) a.setAnnotations(initial.map(asNative));
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
    sync();
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
    destroy() {
      destroyed = true;
      annotator?.destroy();
      annotator = null;
      o.host.replaceChildren();
    },
  };
}
