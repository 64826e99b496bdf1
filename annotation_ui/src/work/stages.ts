/**
 * The DOM controllers of the shown items' images: one zoom/pan view per image (zoom-view.ts)
 * and, for box/polygon jobs, one Annotorious editor (shape-editor.ts). lit-html renders their
 * host elements; the stable ref callbacks made here mount a controller when its host appears and
 * destroy it when the host goes (a new assignment, or the item leaving the page).
 */
import type { WorkItem } from "../api/types";
import { t } from "../i18n";
import { emptyWork, type ItemWork } from "./labels";
import { summariseOthers } from "./others";
import { mountShapeEditor, type ShapeEditor } from "./shape-editor";
import type { WorkState } from "./state";
import { mountZoomView, type ZoomView } from "./zoom-view";

type RefCallback = (el: Element | undefined) => void;

export interface StagesOptions {
  state: WorkState;
  /** The editor changed the item's shapes (a drag reports many changes: key "shapes"). */
  onShapes(itemId: number, work: ItemWork): void;
  onBroken(itemId: number): void;
  update(): void;
}

export interface Stages {
  shapeHost(item: WorkItem): RefCallback;
  zoomHost(item: WorkItem): RefCallback;
  editor(itemId: number): ShapeEditor | undefined;
  zoom(itemId: number): ZoomView | undefined;
  /** Destroy every controller (a new assignment is shown, or the page is left). */
  drop(): void;
}

export function createStages(o: StagesOptions): Stages {
  const { state } = o;
  const editors = new Map<number, ShapeEditor>();
  const zooms = new Map<number, ZoomView>();
  const callbacks = new Map<string, RefCallback>();

  /** One stable callback per (assignment, item, kind): lit-html calls it again only if it changes. */
  function stable(kind: string, item: WorkItem, make: (key: string) => RefCallback): RefCallback {
    const key = `${kind}:${state.assignment?.id}:${item.id}`;
    let cb = callbacks.get(key);
    if (!cb) {
      cb = make(key);
      callbacks.set(key, cb);
    }
    return cb;
  }

  function mountEditor(el: HTMLElement, item: WorkItem): ShapeEditor | undefined {
    const schema = state.job?.label_schema;
    if (!schema) return undefined;
    const work = state.works.get(item.id) ?? emptyWork();
    const index = state.assignment?.items.findIndex((it) => it.id === item.id) ?? 0;
    const size = item.width && item.height ? { width: item.width, height: item.height } : undefined;
    const others = state.assignment?.others ? summariseOthers(schema, state.assignment.others, item.id, size) : null;
    return mountShapeEditor({
      host: el,
      item,
      schema,
      alt: t("work.imageAlt", { n: index + 1 }),
      names: {
        layer: t(schema.kind === "image_polygons" ? "work.drawingLayerPolygons" : "work.drawingLayerBoxes"),
        handle: t("work.shapeHandle"),
      },
      boxes: work.boxes,
      polygons: work.polygons,
      ...(others ? { others } : {}),
      currentLabel: () => state.works.get(item.id)?.labels[0] ?? schema.labels[0]?.name ?? "",
      onChange: (shapes) => o.onShapes(item.id, { ...(state.works.get(item.id) ?? emptyWork()), ...shapes }),
      onBroken: () => o.onBroken(item.id),
    });
  }

  return {
    shapeHost: (item) =>
      stable("shapes", item, (key) => {
        const cb: RefCallback = (el) => {
          editors.get(item.id)?.destroy();
          editors.delete(item.id);
          if (!el || callbacks.get(key) !== cb) return;
          const editor = mountEditor(el as HTMLElement, item);
          if (editor) editors.set(item.id, editor);
          zooms.get(item.id)?.refresh(); // its <img> is in the viewport now
        };
        return cb;
      }),
    zoomHost: (item) =>
      stable("zoom", item, (key) => {
        const cb: RefCallback = (el) => {
          zooms.get(item.id)?.destroy();
          zooms.delete(item.id);
          if (!el || callbacks.get(key) !== cb) return;
          const image = item.width && item.height ? { width: item.width, height: item.height } : null;
          const zoom = mountZoomView({
            viewport: el as HTMLElement,
            image,
            onChange: (view) => {
              state.zoom.set(item.id, view.scale);
              o.update();
            },
          });
          zooms.set(item.id, zoom);
          state.zoom.set(item.id, zoom.view.scale);
        };
        return cb;
      }),
    editor: (itemId) => editors.get(itemId),
    zoom: (itemId) => zooms.get(itemId),
    drop() {
      for (const e of editors.values()) e.destroy();
      for (const z of zooms.values()) z.destroy();
      editors.clear();
      zooms.clear();
      callbacks.clear();
      state.zoom.clear();
    },
  };
}
