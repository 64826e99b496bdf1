/**
 * Keeping hold of work: the prefetch of assignments leased ahead of the one shown (what the
 * annotator labels next, or while offline) and the heartbeat that renews the shown and prefetched
 * leases while the annotator is active.
 */
import { ApiError, isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { Assignment } from "../api/types";
import type { PageContext } from "../ui/page";
import { heartbeatIntervalMs, shouldHeartbeat, type ActiveClock } from "./activity";
import { getJob, type WorkState } from "./state";

/** Assignments leased ahead of the one shown (the server lets one annotator hold 3 leases). */
export const PREFETCH = 2;
export const MAX_HOLDING = 3;

export interface HoldingOptions {
  ctx: PageContext;
  state: WorkState;
  clock: ActiveClock;
  jobFilter: string | undefined;
  /** The server says the shown assignment is no longer ours. */
  onLeaseLost: () => void;
  /** The prefetched assignments (or their leases) changed: keep them on this device. */
  onHeld: () => void;
}

export interface Holding {
  /** Lease more assignments ahead until PREFETCH are held (a failure is silent). */
  topUp(): Promise<void>;
  /** (Re)start the heartbeat timer for the shown assignment. */
  scheduleHeartbeat(): void;
  stop(): void;
}

/** Load a prefetched item's image now, while online: the document keeps it for when it is shown. */
function preloadImages(a: Assignment): void {
  for (const it of a.items) if (it.image_url) new Image().src = it.image_url;
}

export function createHolding({ ctx, state, clock, jobFilter, onLeaseLost, onHeld }: HoldingOptions): Holding {
  let prefetching = false;
  let heartbeatTimer = 0;

  async function topUp(): Promise<void> {
    if (prefetching || ctx.signal.aborted) return;
    prefetching = true;
    try {
      while (state.phase === "working" && state.assignment && state.prefetched.length < PREFETCH) {
        const holding = [...new Set([state.assignment.id, ...state.prefetched.map((p) => p.id), ...state.pendingIds])];
        if (holding.length >= MAX_HOLDING) break; // the server would answer holding_max
        const res = await api.nextAssignment({ ...(jobFilter ? { job_id: jobFilter } : {}), holding }, { signal: ctx.signal });
        const got = res.assignment;
        if (!got || holding.includes(got.id) || got.id === state.assignment?.id) break;
        await getJob(got.job_id, ctx.signal); // cached now: labeling it must not need the network
        if (!state.prefetched.some((p) => p.id === got.id)) state.prefetched.push(got);
        preloadImages(got);
        onHeld();
        state.reachable = true;
        ctx.update();
      }
    } catch {
      // A failed prefetch is nothing the annotator needs to see: the current item still works.
    } finally {
      prefetching = false;
    }
    if (!ctx.signal.aborted) ctx.update();
  }

  function scheduleHeartbeat(): void {
    window.clearTimeout(heartbeatTimer);
    const job = state.job;
    if (!job || !state.assignment) return;
    heartbeatTimer = window.setTimeout(() => void beat(), heartbeatIntervalMs(job.lease_seconds));
  }

  async function beat(): Promise<void> {
    const a = state.assignment;
    if (!a || state.phase !== "working") return;
    if (shouldHeartbeat(Date.now(), clock.lastInputAt, clock.isVisible)) {
      try {
        const res = await api.heartbeat(a.id, { signal: ctx.signal });
        if (state.assignment?.id === a.id) state.leaseUntil = Date.parse(res.lease_expires_at);
      } catch (err) {
        if (isAbort(err)) return;
        if (err instanceof ApiError && err.status === 409 && state.assignment?.id === a.id) return onLeaseLost();
        // A missed beat is not fatal: the next one (or a late submit) may still succeed.
      }
      // Keep the prefetched leases too: they are what the annotator labels next (or offline).
      for (const p of [...state.prefetched]) {
        try {
          p.lease_expires_at = (await api.heartbeat(p.id, { signal: ctx.signal })).lease_expires_at;
        } catch (err) {
          if (isAbort(err)) return;
          if (err instanceof ApiError && err.status === 409) state.prefetched = state.prefetched.filter((x) => x.id !== p.id);
        }
      }
      onHeld();
    }
    scheduleHeartbeat();
  }

  return {
    topUp,
    scheduleHeartbeat,
    stop: () => window.clearTimeout(heartbeatTimer),
  };
}
