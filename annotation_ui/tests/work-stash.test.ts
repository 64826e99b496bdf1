import "fake-indexeddb/auto";
import { openDB } from "idb";
import { afterEach, describe, expect, it } from "vitest";
import type { Assignment, JobDetail } from "../src/api/types";
import type { LocalDraft } from "../src/work/db";
import { SubmissionStore } from "../src/work/queue";
import { DRAFT_MAX_AGE_MS, restorable, startingDraft, Stash } from "../src/work/stash";

const job = (id: string) => ({ id, name: `job ${id}` }) as unknown as JobDetail;
const assignment = (id: number, jobId = "j1") =>
  ({ id, job_id: jobId, lease_expires_at: "2026-01-01T00:00:00Z", items: [], draft: null, others: null }) as Assignment;

describe("what a reload restores", () => {
  it("keeps the saved order, drops queued or refused ones and those without their job", () => {
    const saved = { user_id: "u", saved_at: 0, assignments: [assignment(1), assignment(2), assignment(3, "gone"), assignment(4), assignment(1)], jobs: [job("j1"), job("j2")] };
    const got = restorable(saved, new Set([2]));
    expect(got.assignments.map((a) => a.id)).toEqual([1, 4]);
    expect(got.jobs.map((j) => j.id)).toEqual(["j1"]);
    expect(restorable(undefined, new Set())).toEqual({ assignments: [], jobs: [] });
  });

  it("starts from an unsynced local draft, else from the server's", () => {
    const local = (synced: boolean): LocalDraft => ({ key: "u:1", user_id: "u", assignment_id: 1, answers: { "5": { label: "neg" } }, synced, saved_at: 0 });
    const server = { "5": { label: "pos" } };
    expect(startingDraft(server, local(false))).toEqual({ answers: { "5": { label: "neg" } }, local: true });
    expect(startingDraft(server, local(true))).toEqual({ answers: server, local: false });
    expect(startingDraft(null, undefined)).toEqual({ answers: null, local: false });
  });
});

describe("Stash (fake IndexedDB)", () => {
  let n = 0;
  const opened: { close(): void }[] = [];
  afterEach(() => opened.splice(0).forEach((s) => s.close()));
  async function open(name: string): Promise<Stash> {
    const s = await Stash.open(name);
    opened.push(s);
    return s;
  }

  it("keeps held leases and drafts per user across reopening", async () => {
    const name = `stash-${++n}`;
    const first = await open(name);
    await first.saveHolding("u1", [assignment(1), assignment(2)], [job("j1")]);
    await first.saveHolding("u2", [assignment(9)], [job("j1")]);
    await first.saveDraft("u1", 1, { "5": { label: "pos" } }, false);
    first.close();
    const again = await open(name);
    expect((await again.holding("u1"))?.assignments.map((a) => a.id)).toEqual([1, 2]);
    expect((await again.holding("u2"))?.assignments.map((a) => a.id)).toEqual([9]);
    expect(await again.draft("u1", 1)).toMatchObject({ answers: { "5": { label: "pos" } }, synced: false });
    expect(await again.draft("u2", 1)).toBeUndefined();
    await again.deleteDraft("u1", 1);
    expect(await again.draft("u1", 1)).toBeUndefined();
  });

  it("keeps a reviewer's rework note with its held assignment", async () => {
    const s = await open(`stash-${++n}`);
    const sentBack = { ...assignment(3), rework: [{ item_id: 7, note: "看清楚：这是负面评论" }] };
    await s.saveHolding("u", [sentBack], [job("j1")]);
    const { assignments } = restorable(await s.holding("u"), new Set());
    expect(assignments[0]?.rework).toEqual([{ item_id: 7, note: "看清楚：这是负面评论" }]);
  });

  it("drops drafts older than a week", async () => {
    const s = await open(`stash-${++n}`);
    await s.saveDraft("u", 1, {}, false, 1000);
    await s.saveDraft("u", 2, {}, false, 1000 + DRAFT_MAX_AGE_MS);
    await s.pruneDrafts(2000 + DRAFT_MAX_AGE_MS);
    expect(await s.draft("u", 1)).toBeUndefined();
    expect(await s.draft("u", 2)).toBeDefined();
  });

  it("upgrades a version-1 database without losing its queue", async () => {
    const name = `stash-${++n}`;
    const v1 = await openDB(name, 1, {
      upgrade(d) {
        d.createObjectStore("queue", { keyPath: "submission_id" });
        d.createObjectStore("failed", { keyPath: "submission_id" });
      },
    });
    await v1.put("queue", { submission_id: "s1", user_id: "u", seq: 1, queued_at: 1, attempts: 0, labels: [] });
    v1.close();
    const queue = await SubmissionStore.open(name);
    opened.push(queue);
    expect((await queue.pending("u")).map((e) => e.submission_id)).toEqual(["s1"]);
    const stash = await open(name);
    await stash.saveHolding("u", [assignment(1)], [job("j1")]);
    expect((await stash.holding("u"))?.assignments).toHaveLength(1);
  });
});
