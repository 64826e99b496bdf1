/**
 * Moving through the review queue without page loads. Pure: the page keeps the items it has
 * loaded (decided ones stay, marked done, so the reviewer can go back and see what they did) and
 * asks these functions where to go and what to fetch next.
 *
 * The server's queue only holds undecided items (oldest first), so after the reviewer decided
 * `d` of the `n` items loaded, the next unseen item is at offset n - d.
 */

export interface QueueView {
  /** Item ids in the order loaded. */
  ids: readonly number[];
  /** Items decided on this page (they left the server's queue). */
  done: ReadonlySet<number>;
  index: number;
}

/** One step back or forward, staying inside the list. */
export function step(q: QueueView, direction: 1 | -1): number {
  if (!q.ids.length) return 0;
  return Math.min(q.ids.length - 1, Math.max(0, q.index + direction));
}

/** After a decision: the next undecided item after the current one, else the first undecided
 * before it, else -1 (everything loaded is decided). */
export function nextPending(q: QueueView): number {
  for (let i = q.index + 1; i < q.ids.length; i++) if (!q.done.has(q.ids[i]!)) return i;
  for (let i = 0; i < Math.min(q.index, q.ids.length); i++) if (!q.done.has(q.ids[i]!)) return i;
  return -1;
}

/** Items loaded and not decided yet. */
export function pendingCount(q: Pick<QueueView, "ids" | "done">): number {
  return q.ids.filter((id) => !q.done.has(id)).length;
}

/** Where the next page of the server's queue starts. */
export function nextOffset(q: Pick<QueueView, "ids" | "done">): number {
  return pendingCount(q);
}

/** Are there undecided items on the server that are not loaded? `waiting` is the server's
 * total at the last fetch minus the decisions made since. */
export function hasMore(q: Pick<QueueView, "ids" | "done">, waiting: number): boolean {
  return waiting > pendingCount(q);
}

/** Append a page, skipping items already loaded (the queue may shift between fetches). */
export function appendPage<T extends { item_id: number }>(have: readonly T[], page: readonly T[]): T[] {
  const seen = new Set(have.map((i) => i.item_id));
  return [...have, ...page.filter((i) => !seen.has(i.item_id))];
}
