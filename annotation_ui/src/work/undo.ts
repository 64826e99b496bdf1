/**
 * One undo/redo history per shown item (history.ts), fed by every change of the item's answer:
 * classes chosen, spans added or deleted, shapes drawn, moved, resized, relabeled or deleted.
 * Annotorious keeps an undo stack of its own; the workstation does not use it (it would know
 * nothing of drafts restored with setAnnotations, and its Ctrl+Z listener acts on every image
 * on the page at once), so the page stops its key events and restores shapes with setShapes.
 */
import type { LabelSchema } from "../api/types";
import { UndoHistory, type HistoryCommand } from "./history";
import { isShapeKind, type ItemWork } from "./labels";
import type { WorkState } from "./state";

/** The part of an item's work that is its answer: for shapes, the class the next shape will
 * get is a tool setting, not something to undo. */
export function answerState(schema: LabelSchema, work: ItemWork): string {
  const { labels, spans, boxes, polygons } = work;
  return JSON.stringify(isShapeKind(schema) ? { boxes, polygons } : { labels, spans });
}

/** The work to show after undo/redo: the snapshot, keeping the tool setting (shapes' class) as it is now. */
export function restoredWork(schema: LabelSchema, snapshot: ItemWork, current: ItemWork): ItemWork {
  return isShapeKind(schema) ? { ...snapshot, labels: current.labels } : snapshot;
}

export interface ItemUndo {
  /** Record a change of one item's work (no-op when its answer did not change). Changes with
   *  the same `key` in quick succession (a drag) are one step. */
  record(itemId: number, before: ItemWork, after: ItemWork, key?: string): void;
  /** Undo or redo on one item: the restored work, or null when there is nothing to do. */
  apply(itemId: number, command: HistoryCommand): ItemWork | null;
  canUndo(itemId: number): boolean;
  canRedo(itemId: number): boolean;
}

export function createItemUndo(state: WorkState, now: () => number = Date.now): ItemUndo {
  function historyOf(itemId: number): UndoHistory<ItemWork> {
    let h = state.histories.get(itemId);
    if (!h) {
      h = new UndoHistory<ItemWork>();
      state.histories.set(itemId, h);
    }
    return h;
  }

  return {
    record(itemId, before, after, key) {
      const schema = state.job?.label_schema;
      if (!schema || answerState(schema, before) === answerState(schema, after)) return;
      historyOf(itemId).record(before, now(), key);
    },
    apply(itemId, command) {
      const schema = state.job?.label_schema;
      const current = state.works.get(itemId);
      if (!schema || !current) return null;
      const h = historyOf(itemId);
      const snapshot = command === "undo" ? h.undo(current) : h.redo(current);
      return snapshot ? restoredWork(schema, snapshot, current) : null;
    },
    canUndo: (itemId) => !!state.histories.get(itemId)?.canUndo,
    canRedo: (itemId) => !!state.histories.get(itemId)?.canRedo,
  };
}
