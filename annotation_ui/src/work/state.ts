/**
 * The workstation's page state (one object, owned by pages/work.ts and shared with the helpers in
 * this folder) and the job cache.
 */
import type { Assignment, JobDetail, NoWorkReason, SkipReason } from "../api/types";
import { api } from "../api/endpoints";
import type { ItemWork } from "./labels";
import type { FailedSubmission } from "./queue";

export type Phase = "loading" | "empty" | "working" | "error" | "offline";
export type DraftStatus = "idle" | "saving" | "saved" | "failed";

export interface WorkState {
  phase: Phase;
  reason: NoWorkReason | null;
  error: unknown;
  assignment: Assignment | null;
  job: JobDetail | null;
  works: Map<number, ItemWork>;
  activeItem: number;
  /** Items whose image failed to load (they can be skipped as bad data). */
  brokenImages: Set<number>;
  shownAt: string;
  leaseUntil: number;
  submissionId: string;
  busy: boolean;
  actionError: unknown;
  status: string;
  skipOpen: boolean;
  skipReason: SkipReason;
  skipNote: string;
  draft: DraftStatus;
  draftError: unknown;
  sessionCount: number;
  sessionActiveMs: number;
  /** Leased ahead, not shown yet: what the annotator can label while offline. */
  prefetched: Assignment[];
  /** Submissions waiting in the offline queue (this user's), and their assignment ids. */
  pending: number;
  pendingIds: number[];
  failed: FailedSubmission[];
  /** False after a request failed for want of network (or a server error); true after a success. */
  reachable: boolean;
}

export function newWorkState(): WorkState {
  return {
    phase: "loading",
    reason: null,
    error: null,
    assignment: null,
    job: null,
    works: new Map<number, ItemWork>(),
    activeItem: 0,
    brokenImages: new Set<number>(),
    shownAt: "",
    leaseUntil: 0,
    submissionId: "",
    busy: false,
    actionError: null,
    status: "",
    skipOpen: false,
    skipReason: "unclear",
    skipNote: "",
    draft: "idle",
    draftError: null,
    sessionCount: 0,
    sessionActiveMs: 0,
    prefetched: [],
    pending: 0,
    pendingIds: [],
    failed: [],
    reachable: true,
  };
}

/** Jobs by id: name, schema and instructions don't change while someone labels. */
const jobCache = new Map<string, JobDetail>();

export async function getJob(id: string, signal: AbortSignal): Promise<JobDetail> {
  const cached = jobCache.get(id);
  if (cached) return cached;
  const job = await api.getJob(id, { signal });
  jobCache.set(id, job);
  return job;
}
