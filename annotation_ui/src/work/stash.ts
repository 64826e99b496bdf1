/**
 * What this device keeps so a reload without network loses nothing: the leases the annotator
 * holds (the shown assignment first, then the prefetched ones, with their jobs) and each
 * assignment's draft. Drafts are written here on every change (and marked `synced` once the
 * server has the same answers), so an unsynced local draft is always the newest one.
 *
 * Everything is per user: a shared computer never shows one annotator another's work.
 */
import type { IDBPDatabase } from "idb";
import type { Assignment, JobDetail } from "../api/types";
import { openWorkDB, type LocalDraft, type SavedHolding, type WorkDB } from "./db";

/** Local drafts older than this are dropped when the store opens (their leases are long gone). */
export const DRAFT_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

/**
 * The held assignments worth restoring: not already queued for sending (or refused), each once,
 * in the saved order; and only those whose job is saved too (it is needed to label them).
 */
export function restorable(saved: SavedHolding | undefined, skipIds: ReadonlySet<number>): { assignments: Assignment[]; jobs: JobDetail[] } {
  if (!saved) return { assignments: [], jobs: [] };
  const jobs = new Map(saved.jobs.map((j) => [String(j.id), j]));
  const seen = new Set<number>();
  const assignments = saved.assignments.filter((a) => {
    if (skipIds.has(a.id) || seen.has(a.id) || !jobs.has(a.job_id)) return false;
    seen.add(a.id);
    return true;
  });
  const used = new Set(assignments.map((a) => a.job_id));
  return { assignments, jobs: saved.jobs.filter((j) => used.has(String(j.id))) };
}

/** The answers to start an assignment from: an unsynced local draft beats the server's. */
export function startingDraft(server: Record<string, unknown> | null, local: LocalDraft | undefined): { answers: Record<string, unknown> | null; local: boolean } {
  if (local && !local.synced) return { answers: local.answers, local: true };
  return { answers: server, local: false };
}

const draftKey = (userId: string, assignmentId: number) => `${userId}:${assignmentId}`;

export class Stash {
  constructor(private readonly db: IDBPDatabase<WorkDB>) {}

  static async open(name?: string): Promise<Stash> {
    const stash = new Stash(await openWorkDB(name));
    await stash.pruneDrafts().catch(() => undefined);
    return stash;
  }

  close(): void {
    this.db.close();
  }

  async saveHolding(userId: string, assignments: readonly Assignment[], jobs: readonly JobDetail[], now = Date.now()): Promise<void> {
    await this.db.put("holding", { user_id: userId, assignments: [...assignments], jobs: [...jobs], saved_at: now });
  }

  async holding(userId: string): Promise<SavedHolding | undefined> {
    return this.db.get("holding", userId);
  }

  async saveDraft(userId: string, assignmentId: number, answers: Record<string, unknown>, synced: boolean, now = Date.now()): Promise<void> {
    await this.db.put("drafts", { key: draftKey(userId, assignmentId), user_id: userId, assignment_id: assignmentId, answers, synced, saved_at: now });
  }

  async draft(userId: string, assignmentId: number): Promise<LocalDraft | undefined> {
    return this.db.get("drafts", draftKey(userId, assignmentId));
  }

  async deleteDraft(userId: string, assignmentId: number): Promise<void> {
    await this.db.delete("drafts", draftKey(userId, assignmentId));
  }

  async pruneDrafts(now = Date.now()): Promise<void> {
    const tx = this.db.transaction("drafts", "readwrite");
    for (const d of await tx.store.getAll()) if (now - d.saved_at > DRAFT_MAX_AGE_MS) await tx.store.delete(d.key);
    await tx.done;
  }
}
