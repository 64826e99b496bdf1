/**
 * The offline queue's wiring: submits that failed for want of network wait in IndexedDB
 * (queue.ts) and are resent in order, with the same submission id, on `online`, on a backoff
 * timer and on page load. Refused resends are kept as failed for the queue panel.
 */
import { api } from "../api/endpoints";
import { t } from "../i18n";
import type { PageContext } from "../ui/page";
import { backoffMs, flushQueue, SubmissionStore, type NewSubmission } from "./queue";
import type { WorkState } from "./state";

export interface OfflineQueueOptions {
  ctx: PageContext;
  state: WorkState;
  userId: string;
  /** After a flush that left nothing stuck: lease again (offline) or top up the prefetch (working). */
  onResume: () => void;
}

export interface OfflineQueue {
  /** Re-read pending/failed counts from the store into the state. */
  refresh(): Promise<void>;
  /** Put a submission in the queue; false when there is no queue (then the caller shows the error). */
  enqueue(entry: NewSubmission): Promise<boolean>;
  /** Send the queue in order (one flush at a time; callers share the running one). */
  flush(): Promise<void>;
  /** The periodic retry: flush (and lease again when offline) after a growing delay. */
  scheduleRetry(retryAfterMs?: number | null): void;
  /** Flush now (the `online` event, the retry buttons). */
  retryNow(): void;
  /** A request got through: we are online, and the backoff starts over. */
  reached(): void;
  dismissFailed(): Promise<void>;
  close(): void;
}

export function createOfflineQueue({ ctx, state, userId, onResume }: OfflineQueueOptions): OfflineQueue {
  // No IndexedDB (some private modes): submits then behave as before, with an error to retry.
  const storeReady: Promise<SubmissionStore | null> = SubmissionStore.open().catch(() => null);
  let flushing: Promise<void> | null = null;
  let retryRound = 0;
  let retryTimer = 0;

  async function refresh(): Promise<void> {
    const store = await storeReady;
    if (!store) return;
    const pending = await store.pending(userId);
    state.pending = pending.length;
    state.pendingIds = pending.map((p) => p.assignment_id);
    state.pendingList = pending.map((p) => ({ assignment_id: p.assignment_id, job_id: p.job_id, items: p.labels.length, queued_at: p.queued_at }));
    state.failed = await store.failed(userId);
    if (!ctx.signal.aborted) ctx.update();
  }

  async function enqueue(entry: NewSubmission): Promise<boolean> {
    const store = await storeReady;
    if (!store) return false;
    try {
      await store.add(entry);
    } catch {
      return false;
    }
    await refresh();
    scheduleRetry();
    return true;
  }

  function reached(): void {
    state.reachable = true;
    retryRound = 0;
  }

  function flush(): Promise<void> {
    flushing ??= doFlush().finally(() => (flushing = null));
    return flushing;
  }

  async function doFlush(): Promise<void> {
    const store = await storeReady;
    if (!store || ctx.signal.aborted) return;
    const res = await flushQueue(store, userId, (e) =>
      api.submitAssignment(
        e.assignment_id,
        // The SAME submission id: a resend of something the server already has is replayed.
        { submission_id: e.submission_id, labels: e.labels, active_ms: e.active_ms, started_at: e.started_at, next: false },
        { signal: ctx.signal },
      ),
    ).catch(() => null); // IndexedDB trouble: try again later
    if (ctx.signal.aborted) return;
    if (!res) return scheduleRetry();
    for (const e of res.sent) {
      state.sessionCount += e.labels.length;
      state.sessionActiveMs += e.active_ms;
    }
    if (res.sent.length || res.failed.length) reached();
    if (res.failed.length) ctx.notify(t("work.queueFailedNotice", { n: res.failed.length }), "error");
    if (res.retry) {
      state.reachable = false;
      scheduleRetry(res.retry.retryAfterMs);
    }
    await refresh();
  }

  function scheduleRetry(retryAfterMs: number | null = null): void {
    if (retryTimer || ctx.signal.aborted) return;
    retryRound += 1;
    retryTimer = window.setTimeout(() => {
      retryTimer = 0;
      void flush().then(afterFlush);
    }, backoffMs(retryRound, Math.random(), retryAfterMs));
  }

  function afterFlush(): void {
    if (ctx.signal.aborted) return;
    if (state.pending > 0 && !state.reachable) return scheduleRetry();
    onResume();
  }

  function retryNow(): void {
    window.clearTimeout(retryTimer);
    retryTimer = 0;
    retryRound = 0;
    void flush().then(afterFlush);
  }

  async function dismissFailed(): Promise<void> {
    const store = await storeReady;
    await store?.clearFailed(userId);
    await refresh();
  }

  function close(): void {
    window.clearTimeout(retryTimer);
    void storeReady.then((s) => s?.close());
  }

  return { refresh, enqueue, flush, scheduleRetry, retryNow, reached, dismissFailed, close };
}
