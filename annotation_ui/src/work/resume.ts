/**
 * Going on without network: the leases held (the shown assignment, then the prefetched ones)
 * and their jobs are kept on this device after every change, and a workstation that starts
 * without network (a reload, coming back to the page) shows them again (stash.ts).
 */
import type { NextOut } from "../api/types";
import type { PageContext } from "../ui/page";
import type { OfflineQueue } from "./offline";
import { cachedJob, rememberJobs, type WorkState } from "./state";
import { restorable, type Stash } from "./stash";

/** A holding saved longer ago than this is not restored: its leases went back to the pool. */
export const HOLDING_MAX_AGE_MS = 12 * 3600 * 1000;

export interface ResumeOptions {
  ctx: PageContext;
  state: WorkState;
  userId: string;
  stash: Promise<Stash | null>;
  queue: OfflineQueue;
}

export interface Resume {
  /** Save what is held now (called after every change of the shown or prefetched assignments). */
  keep(): void;
  /** Show the first held assignment this device kept (the rest become the prefetched ones);
   *  false when there is none. */
  restore(show: (next: NextOut) => Promise<void>): Promise<boolean>;
}

export function createResume({ ctx, state, userId, stash, queue }: ResumeOptions): Resume {
  return {
    keep() {
      const held = [...(state.assignment ? [state.assignment] : []), ...state.prefetched];
      const jobs = [...new Set(held.map((a) => a.job_id))].map(cachedJob).filter((j) => j !== undefined);
      void stash.then((s) => s?.saveHolding(userId, held, jobs)).catch(() => undefined);
    },
    async restore(show) {
      const store = await stash;
      if (!store || ctx.signal.aborted) return false;
      await queue.refresh(); // what is queued (or was refused) is not to be labeled again
      const saved = await store.holding(userId).catch(() => undefined);
      const fresh = saved && Date.now() - saved.saved_at < HOLDING_MAX_AGE_MS ? saved : undefined;
      const done = new Set([...state.pendingIds, ...state.failed.map((f) => f.assignment_id)]);
      const { assignments, jobs } = restorable(fresh, done);
      const [first, ...rest] = assignments;
      if (!first) return false;
      rememberJobs(jobs);
      state.prefetched = rest;
      await show({ assignment: first, reason: null });
      queue.scheduleRetry();
      return true;
    },
  };
}
