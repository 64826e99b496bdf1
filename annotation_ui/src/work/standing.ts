/**
 * The annotator's own standing (`GET /labeling/standing`) in the session panel: accuracy on gold
 * items for the current job (with its 95% interval) and, when they are paused, why. It changes
 * only when the server's quality sweep runs, so it is fetched on load, when `next` finds no job
 * for them (`no_jobs`: perhaps a pause), and after submits at a modest rate: every
 * REFRESH_SUBMITS submits or after REFRESH_MS, not on every label.
 */
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { MyStanding } from "../api/types";
import { getLocale, type Locale } from "../i18n";
import type { PageContext } from "../ui/page";
import type { WorkState } from "./state";

export const REFRESH_SUBMITS = 10;
export const REFRESH_MS = 60_000;

// ---- pure decisions ----------------------------------------------------------------------

/** After a submit: fetch again once enough submits or enough time went by since the last fetch. */
export function refreshDue(submitsSince: number, lastAt: number, now: number): boolean {
  return submitsSince >= REFRESH_SUBMITS || now - lastAt >= REFRESH_MS;
}

export interface GoldSummary {
  accuracy: number;
  correct: number;
  total: number;
  /** 95% interval; null when the server sent none. */
  ci: [number, number] | null;
}

/** Accuracy on gold for one job, once there is at least one gold answer. */
export function goldSummary(row: MyStanding | undefined): GoldSummary | null {
  if (!row || row.gold_total <= 0) return null;
  return {
    accuracy: row.gold_accuracy ?? row.gold_correct / row.gold_total,
    correct: row.gold_correct,
    total: row.gold_total,
    ci: row.gold_accuracy_ci,
  };
}

/** A share as a whole percentage for the locale ("80%"). */
export function formatPercent(share: number, locale: Locale = getLocale()): string {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 }).format(share);
}

export interface StandingNotices {
  /** Jobs the annotator is paused on (shown with their reasons). */
  paused: MyStanding[];
  /** Jobs where their work is flagged (a softer warning). */
  flagged: MyStanding[];
}

/**
 * What to tell the annotator: with no job left for them (`no_jobs`) every pause explains why;
 * otherwise only the current job's pause or flag matters.
 */
export function standingNotices(rows: readonly MyStanding[] | null, currentJobId: string | null, noJobs: boolean): StandingNotices {
  if (!rows) return { paused: [], flagged: [] };
  const current = rows.filter((r) => r.job_id === currentJobId);
  return {
    paused: (noJobs ? rows : current).filter((r) => r.paused),
    flagged: current.filter((r) => !r.paused && r.flagged_at !== null),
  };
}

// ---- fetching ----------------------------------------------------------------------------

export interface StandingFeed {
  /** Fetch now (a failure keeps what was shown: the numbers are not urgent). */
  refresh(): Promise<void>;
  /** A submit went through: refresh when one is due. */
  submitted(): void;
}

export function createStandingFeed(ctx: PageContext, state: WorkState, now: () => number = Date.now): StandingFeed {
  let submitsSince = 0;
  let lastAt = now();
  let running: Promise<void> | null = null;

  async function load(): Promise<void> {
    submitsSince = 0;
    lastAt = now();
    try {
      state.standing = await api.myStanding({ signal: ctx.signal });
      if (!ctx.signal.aborted) ctx.update();
    } catch (err) {
      if (isAbort(err)) return;
      // Offline or the server is busy: try again after the next few submits.
    }
  }

  function refresh(): Promise<void> {
    running ??= load().finally(() => (running = null));
    return running;
  }

  return {
    refresh,
    submitted() {
      submitsSince += 1;
      if (refreshDue(submitsSince, lastAt, now())) void refresh();
    },
  };
}
