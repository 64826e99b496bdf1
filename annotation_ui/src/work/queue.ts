/**
 * The offline submission queue: "never lose work".
 *
 * A submit that fails because of the network (no connection, 5xx, 503 + Retry-After, 429) is
 * stored in IndexedDB and resent later, in order, with the SAME submission id: the server's
 * submit is idempotent by submission id, so a resend is always safe (a repeat answers
 * `replayed: true`). A refusal that will never succeed (409 LeaseLost or another conflict, 422,
 * other 4xx) takes the entry out of the queue and records it as failed, with the reason, so the
 * annotator sees what was not saved.
 *
 * Pure decisions (classification, backoff, ordering) are plain functions; `SubmissionStore`
 * wraps IndexedDB (`idb`) and `flushQueue` drives a store with an injected `send`.
 */
import type { IDBPDatabase } from "idb";
import { ApiError } from "../api/client";
import type { Answer } from "../api/types";
import { DB_NAME, openWorkDB, type WorkDB } from "./db";

export interface QueuedSubmission {
  submission_id: string;
  /** Whose work it is: a queue left by someone else on a shared computer is not sent. */
  user_id: string;
  assignment_id: number;
  job_id: string;
  labels: { item_id: number; answer: Answer }[];
  active_ms: number;
  started_at: string;
  /** Epoch ms when it was queued, and a tie-breaking sequence number: the send order. */
  queued_at: number;
  seq: number;
  attempts: number;
}

export interface FailedSubmission {
  submission_id: string;
  user_id: string;
  assignment_id: number;
  job_id: string;
  items: number;
  /** The server's error kind ("LeaseLost", "ValidationError", ...). */
  reason: string;
  status: number;
  detail: string;
  failed_at: number;
}

// ---- pure decisions ----------------------------------------------------------------------

export type Outcome =
  | { kind: "retry"; retryAfterMs: number | null }
  | { kind: "failed"; reason: string; status: number; detail: string };

/** Statuses worth trying again later: the request may well succeed once the server is back. */
const RETRY_STATUSES = new Set([408, 425, 429]);

/** What to do with a queued submission whose send threw `err`. */
export function classify(err: unknown): Outcome {
  if (err instanceof ApiError) {
    if (err.isNetwork || err.status >= 500 || RETRY_STATUSES.has(err.status)) {
      return { kind: "retry", retryAfterMs: err.retryAfterMs };
    }
    // 401: the session ended; the shell sends the annotator to sign in, the queue waits.
    if (err.status === 401) return { kind: "retry", retryAfterMs: null };
    return { kind: "failed", reason: err.kind, status: err.status, detail: err.detail };
  }
  // Aborted (page left) or an unexpected throw: keep the work, try again later.
  return { kind: "retry", retryAfterMs: null };
}

/** True when a direct submit failed in a way the queue should take over (not a refusal). */
export function shouldQueue(err: unknown): boolean {
  return err instanceof ApiError && classify(err).kind === "retry" && err.status !== 401;
}

export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_MAX_MS = 60_000;

/**
 * Delay before retry number `attempt` (1 = first retry): 2 s, 4 s, 8 s … capped at 60 s, with
 * up to ±20 % jitter (`random` in [0, 1)) so many workstations don't retry in lockstep. A
 * server's Retry-After is honoured when it asks for longer.
 */
export function backoffMs(attempt: number, random = 0.5, retryAfterMs: number | null = null): number {
  const n = Math.max(1, Math.floor(attempt));
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.min(n - 1, 30));
  const jittered = Math.round(base * (0.8 + 0.4 * Math.min(Math.max(random, 0), 1)));
  return Math.max(Math.min(jittered, BACKOFF_MAX_MS), retryAfterMs ?? 0);
}

/** The send order: first queued first (sequence number, then time, then id for stability). */
export function sendOrder(entries: readonly QueuedSubmission[]): QueuedSubmission[] {
  return [...entries].sort(
    (a, b) => a.seq - b.seq || a.queued_at - b.queued_at || a.submission_id.localeCompare(b.submission_id),
  );
}

// ---- storage -----------------------------------------------------------------------------

export type NewSubmission = Omit<QueuedSubmission, "queued_at" | "seq" | "attempts">;

export class SubmissionStore {
  /** On an open database (shared with stash.ts); `open()` opens its own connection. */
  constructor(private readonly db: IDBPDatabase<WorkDB>) {}

  static async open(name = DB_NAME): Promise<SubmissionStore> {
    return new SubmissionStore(await openWorkDB(name));
  }

  close(): void {
    this.db.close();
  }

  /** Queue a submission at the end (queuing the same submission id again keeps its place). */
  async add(entry: NewSubmission, now = Date.now()): Promise<QueuedSubmission> {
    const tx = this.db.transaction("queue", "readwrite");
    const existing = await tx.store.get(entry.submission_id);
    if (existing) {
      await tx.done;
      return existing;
    }
    const all = await tx.store.getAll();
    const seq = all.reduce((m, e) => Math.max(m, e.seq), 0) + 1;
    const row: QueuedSubmission = { ...entry, queued_at: now, seq, attempts: 0 };
    await tx.store.put(row);
    await tx.done;
    return row;
  }

  /** This user's queued submissions in send order. */
  async pending(userId: string): Promise<QueuedSubmission[]> {
    return sendOrder((await this.db.getAll("queue")).filter((e) => e.user_id === userId));
  }

  async remove(submissionId: string): Promise<void> {
    await this.db.delete("queue", submissionId);
  }

  async bumpAttempts(submissionId: string): Promise<void> {
    const tx = this.db.transaction("queue", "readwrite");
    const row = await tx.store.get(submissionId);
    if (row) await tx.store.put({ ...row, attempts: row.attempts + 1 });
    await tx.done;
  }

  /** Take a submission out of the queue and record why it could not be saved (one transaction). */
  async markFailed(entry: QueuedSubmission, outcome: Extract<Outcome, { kind: "failed" }>, now = Date.now()): Promise<FailedSubmission> {
    const failed: FailedSubmission = {
      submission_id: entry.submission_id,
      user_id: entry.user_id,
      assignment_id: entry.assignment_id,
      job_id: entry.job_id,
      items: entry.labels.length,
      reason: outcome.reason,
      status: outcome.status,
      detail: outcome.detail,
      failed_at: now,
    };
    const tx = this.db.transaction(["queue", "failed"], "readwrite");
    await tx.objectStore("queue").delete(entry.submission_id);
    await tx.objectStore("failed").put(failed);
    await tx.done;
    return failed;
  }

  /** This user's failed submissions, newest first. */
  async failed(userId: string): Promise<FailedSubmission[]> {
    return (await this.db.getAll("failed")).filter((f) => f.user_id === userId).sort((a, b) => b.failed_at - a.failed_at);
  }

  async clearFailed(userId: string): Promise<void> {
    const tx = this.db.transaction("failed", "readwrite");
    for (const f of await tx.store.getAll()) if (f.user_id === userId) await tx.store.delete(f.submission_id);
    await tx.done;
  }
}

// ---- flushing ----------------------------------------------------------------------------

export interface FlushResult {
  sent: QueuedSubmission[];
  failed: FailedSubmission[];
  /** Set when the flush stopped on an error worth retrying: wait at least this long. */
  retry: { attempts: number; retryAfterMs: number | null } | null;
  remaining: number;
}

/**
 * Send this user's queue in order. Stops at the first error worth retrying (the network is
 * down, so the rest would fail too, and order is kept); refusals are recorded and skipped.
 */
export async function flushQueue(
  store: SubmissionStore,
  userId: string,
  send: (entry: QueuedSubmission) => Promise<unknown>,
): Promise<FlushResult> {
  const result: FlushResult = { sent: [], failed: [], retry: null, remaining: 0 };
  const entries = await store.pending(userId);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    try {
      await send(entry);
      await store.remove(entry.submission_id);
      result.sent.push(entry);
    } catch (err) {
      const outcome = classify(err);
      if (outcome.kind === "failed") {
        result.failed.push(await store.markFailed(entry, outcome));
        continue;
      }
      await store.bumpAttempts(entry.submission_id);
      result.retry = { attempts: entry.attempts + 1, retryAfterMs: outcome.retryAfterMs };
      result.remaining = entries.length - i;
      break;
    }
  }
  return result;
}
