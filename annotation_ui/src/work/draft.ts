/**
 * Draft autosave: every change of the shown assignment's answers is kept on this device at once
 * (stash.ts, IndexedDB) and sent to the server after DRAFT_DEBOUNCE_MS without further changes.
 * The draft comes back when the assignment is shown again: after a reload from the server, and
 * without network from this device (an unsynced local draft is the newest one).
 */
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { PageContext } from "../ui/page";
import type { LocalDraft } from "./db";
import { draftAnswers } from "./labels";
import { shouldQueue } from "./queue";
import type { WorkState } from "./state";
import type { Stash } from "./stash";

export const DRAFT_DEBOUNCE_MS = 1500;

export interface DraftSaver {
  /** Keep the answers on this device now; save to the server after DRAFT_DEBOUNCE_MS without further changes. */
  schedule(): void;
  cancel(): void;
  /** A save is scheduled and has not started yet. */
  readonly due: boolean;
  /** Save now, under the page's signal; `outlive: true` when the page is being left, so
   *  the last save is not cancelled with the page. */
  save(opts?: { outlive?: boolean }): Promise<void>;
  /** This device's draft of an assignment, if any. */
  local(assignmentId: number): Promise<LocalDraft | undefined>;
  /** The assignment was submitted, queued or skipped: its draft is no longer needed. */
  forget(assignmentId: number): void;
}

export function createDraftSaver(ctx: PageContext, state: WorkState, userId: string, stash: Promise<Stash | null>): DraftSaver {
  let draftTimer = 0;

  function cancel(): void {
    window.clearTimeout(draftTimer);
    draftTimer = 0;
  }

  function current(): { id: number; answers: Record<string, unknown> } | null {
    const { assignment: a, job } = state;
    return a && job ? { id: a.id, answers: draftAnswers(job.label_schema, state.works) } : null;
  }

  async function keepLocal(id: number, answers: Record<string, unknown>, synced: boolean): Promise<boolean> {
    const store = await stash;
    try {
      await store?.saveDraft(userId, id, answers, synced);
      return !!store;
    } catch {
      return false; // IndexedDB unavailable or full: the server draft still works
    }
  }

  function schedule(): void {
    cancel();
    const now = current();
    if (now) void keepLocal(now.id, now.answers, false);
    draftTimer = window.setTimeout(() => void save(), DRAFT_DEBOUNCE_MS);
  }

  async function save(opts: { outlive?: boolean } = {}): Promise<void> {
    cancel(); // a save now replaces a pending one
    const signal = opts.outlive ? undefined : ctx.signal;
    const sent = current();
    if (!sent) return;
    state.draft = "saving";
    ctx.update();
    try {
      await api.saveDraft(sent.id, sent.answers, { signal });
      // Synced only if nothing changed while the request was out (else the local one is newer).
      const after = current();
      if (after?.id === sent.id && JSON.stringify(after.answers) === JSON.stringify(sent.answers)) void keepLocal(sent.id, sent.answers, true);
      if (state.assignment?.id === sent.id) state.draft = "saved";
    } catch (err) {
      if (isAbort(err)) return;
      if (state.assignment?.id === sent.id) {
        // No network: the draft is safe on this device (written by schedule()).
        const kept = shouldQueue(err) && (await keepLocal(sent.id, sent.answers, false));
        state.draft = kept ? "local" : "failed";
        state.draftError = err;
        if (kept) state.reachable = false;
      }
    }
    if (!ctx.signal.aborted) ctx.update();
  }

  return {
    schedule,
    cancel,
    get due() {
      return draftTimer !== 0;
    },
    save,
    async local(assignmentId) {
      const store = await stash;
      return store?.draft(userId, assignmentId).catch(() => undefined);
    },
    forget(assignmentId) {
      void stash.then((s) => s?.deleteDraft(userId, assignmentId)).catch(() => undefined);
    },
  };
}
