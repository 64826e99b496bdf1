/**
 * The workstation's IndexedDB database ("brigade-work"): the offline submission queue and its
 * failures (queue.ts), and what a reload without network needs (stash.ts): the leases held
 * (shown and prefetched assignments with their jobs) and drafts kept on this device.
 *
 * Version 1 had the queue stores only; upgrading keeps them.
 */
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import type { Assignment, JobDetail } from "../api/types";
import type { FailedSubmission, QueuedSubmission } from "./queue";

/** The leases one user holds, the shown one first, with the jobs needed to label them. */
export interface SavedHolding {
  user_id: string;
  assignments: Assignment[];
  jobs: JobDetail[];
  saved_at: number;
}

/** A draft kept on this device; `synced` once the server has the same answers. */
export interface LocalDraft {
  /** `${user_id}:${assignment_id}` */
  key: string;
  user_id: string;
  assignment_id: number;
  answers: Record<string, unknown>;
  synced: boolean;
  saved_at: number;
}

export interface WorkDB extends DBSchema {
  queue: { key: string; value: QueuedSubmission };
  failed: { key: string; value: FailedSubmission };
  holding: { key: string; value: SavedHolding };
  drafts: { key: string; value: LocalDraft };
}

export const DB_NAME = "brigade-work";
const DB_VERSION = 2;

export function openWorkDB(name = DB_NAME): Promise<IDBPDatabase<WorkDB>> {
  return openDB<WorkDB>(name, DB_VERSION, {
    upgrade(d, oldVersion) {
      if (oldVersion < 1) {
        d.createObjectStore("queue", { keyPath: "submission_id" });
        d.createObjectStore("failed", { keyPath: "submission_id" });
      }
      if (oldVersion < 2) {
        d.createObjectStore("holding", { keyPath: "user_id" });
        d.createObjectStore("drafts", { keyPath: "key" });
      }
    },
  });
}
