/**
 * The workstation's page state (one object, owned by pages/work.ts and shared with the helpers in
 * this folder) and the job cache.
 */
import type { Assignment, JobDetail, MyStanding, NoWorkReason, SkipReason } from "../api/types";
import { api } from "../api/endpoints";
import type { UndoHistory } from "./history";
import type { ItemWork } from "./labels";
import type { FailedSubmission } from "./queue";

export type Phase = "loading" | "empty" | "working" | "error" | "offline";
/** "local": kept on this device only (the server could not be reached). */
export type DraftStatus = "idle" | "saving" | "saved" | "local" | "failed";

/** One submission waiting in the offline queue, as the queue panel lists it. */
export interface PendingEntry {
  assignment_id: number;
  job_id: string;
  items: number;
  queued_at: number;
}

export interface WorkState {
  phase: Phase;
  reason: NoWorkReason | null;
  error: unknown;
  assignment: Assignment | null;
  job: JobDetail | null;
  works: Map<number, ItemWork>;
  /** Undo/redo per item of the shown assignment. */
  histories: Map<number, UndoHistory<ItemWork>>;
  /** The zoom (displayed px per image px) of each shown image. */
  zoom: Map<number, number>;
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
  pendingList: PendingEntry[];
  failed: FailedSubmission[];
  /** False after a request failed for want of network (or a server error); true after a success. */
  reachable: boolean;
  /** The annotator's standing per job (standing.ts); null until fetched. */
  standing: MyStanding[] | null;
}

export function newWorkState(): WorkState {
  return {
    phase: "loading",
    reason: null,
    error: null,
    assignment: null,
    job: null,
    works: new Map<number, ItemWork>(),
    histories: new Map<number, UndoHistory<ItemWork>>(),
    zoom: new Map<number, number>(),
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
    pendingList: [],
    failed: [],
    reachable: true,
    standing: null,
  };
}

/** Jobs by id: name, schema and instructions don't change while someone labels. */
const jobCache = new Map<string, JobDetail>();

/** A job already fetched (its name for the queue panel, its schema for offline work). */
export function cachedJob(id: string): JobDetail | undefined {
  return jobCache.get(id);
}

/** Jobs restored from this device's stash (labeling offline needs them). */
export function rememberJobs(jobs: readonly JobDetail[]): void {
  for (const job of jobs) if (!jobCache.has(String(job.id))) jobCache.set(String(job.id), job);
}

export async function getJob(id: string, signal: AbortSignal): Promise<JobDetail> {
  const cached = jobCache.get(id);
  if (cached) return cached;
  const job = await api.getJob(id, { signal });
  jobCache.set(id, job);
  return job;
}
