/**
 * Undo/redo for one item's answer, without the DOM: a stack of snapshots taken before each
 * change (src/work/undo.ts keeps one history per shown item and applies the snapshots).
 *
 * A drag in the image editor changes a shape many times a second; changes recorded with the same
 * `key` less than `coalesceMs` apart are one step, so one Ctrl+Z undoes the whole drag.
 */

export const COALESCE_MS = 400;
export const HISTORY_LIMIT = 200;

export class UndoHistory<T> {
  private past: T[] = [];
  private future: T[] = [];
  private burst: { key: string; at: number } | null = null;

  constructor(
    private readonly limit = HISTORY_LIMIT,
    private readonly coalesceMs = COALESCE_MS,
  ) {}

  /** A change is being made: `before` is the state it replaces. Clears what could be redone. */
  record(before: T, now: number, key?: string): void {
    this.future = [];
    const burst = this.burst;
    if (key !== undefined && burst?.key === key && now - burst.at < this.coalesceMs) {
      burst.at = now; // same gesture: the snapshot from before it stays the undo point
      return;
    }
    this.past.push(before);
    if (this.past.length > this.limit) this.past.shift();
    this.burst = key === undefined ? null : { key, at: now };
  }

  /** The state to go back to (`current` becomes redoable), or undefined when there is none. */
  undo(current: T): T | undefined {
    const previous = this.past.pop();
    if (previous === undefined) return undefined;
    this.future.push(current);
    this.burst = null;
    return previous;
  }

  redo(current: T): T | undefined {
    const next = this.future.pop();
    if (next === undefined) return undefined;
    this.past.push(current);
    this.burst = null;
    return next;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }
}

export type HistoryCommand = "undo" | "redo";

/**
 * The command a key press asks for: Ctrl+Z (⌘Z) undo; Ctrl+Shift+Z (⇧⌘Z) and Ctrl+Y redo.
 * Alt combinations are left alone.
 */
export function historyCommand(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "shiftKey" | "altKey">): HistoryCommand | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey) return null;
  const key = e.key.toLowerCase();
  if (key === "z") return e.shiftKey ? "redo" : "undo";
  if (key === "y" && !e.shiftKey) return "redo";
  return null;
}
