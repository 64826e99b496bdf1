import "fake-indexeddb/auto";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError, networkError, parseRetryAfter, request } from "../src/api/client";
import {
  BACKOFF_MAX_MS,
  backoffMs,
  classify,
  flushQueue,
  sendOrder,
  shouldQueue,
  SubmissionStore,
  type NewSubmission,
  type QueuedSubmission,
} from "../src/work/queue";

function apiError(status: number, kind: string, detail = "", retryAfterMs: number | null = null): ApiError {
  const err = new ApiError(status, kind, detail);
  err.retryAfterMs = retryAfterMs;
  return err;
}

function sub(n: number, user = "u1"): NewSubmission {
  return {
    submission_id: `s${n}`,
    user_id: user,
    assignment_id: 100 + n,
    job_id: "j1",
    labels: [{ item_id: n, answer: { label: "positive" } }],
    active_ms: 1000 * n,
    started_at: "2026-01-01T00:00:00Z",
  };
}

describe("classify", () => {
  it("keeps work that failed for want of network or server", () => {
    expect(classify(networkError(new TypeError("Failed to fetch")))).toEqual({ kind: "retry", retryAfterMs: null });
    expect(classify(apiError(500, "InternalError"))).toEqual({ kind: "retry", retryAfterMs: null });
    expect(classify(apiError(502, "BadGateway"))).toMatchObject({ kind: "retry" });
    expect(classify(apiError(503, "ServiceUnavailable", "", 30_000))).toEqual({ kind: "retry", retryAfterMs: 30_000 });
    expect(classify(apiError(429, "TooManyRequests", "", 5_000))).toEqual({ kind: "retry", retryAfterMs: 5_000 });
    expect(classify(apiError(401, "NotAuthenticated"))).toMatchObject({ kind: "retry" });
    expect(classify(new DOMException("aborted", "AbortError"))).toMatchObject({ kind: "retry" });
  });

  it("gives up, with the reason, on refusals that cannot succeed later", () => {
    expect(classify(apiError(409, "LeaseLost", "lease gone"))).toEqual({ kind: "failed", reason: "LeaseLost", status: 409, detail: "lease gone" });
    expect(classify(apiError(409, "Conflict", "job completed"))).toMatchObject({ kind: "failed", reason: "Conflict", status: 409 });
    expect(classify(apiError(422, "ValidationError", "bad label"))).toMatchObject({ kind: "failed", status: 422, detail: "bad label" });
    expect(classify(apiError(404, "NotFound"))).toMatchObject({ kind: "failed", status: 404 });
  });

  it("queues a direct submit only for network-like failures (not a refusal, not a 401)", () => {
    expect(shouldQueue(networkError(null))).toBe(true);
    expect(shouldQueue(apiError(503, "ServiceUnavailable"))).toBe(true);
    expect(shouldQueue(apiError(409, "LeaseLost"))).toBe(false);
    expect(shouldQueue(apiError(422, "ValidationError"))).toBe(false);
    expect(shouldQueue(apiError(401, "NotAuthenticated"))).toBe(false);
    expect(shouldQueue(new Error("boom"))).toBe(false);
  });
});

describe("backoff", () => {
  it("doubles from 2 s up to a cap, with bounded jitter", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffMs(n))).toEqual([2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    expect(backoffMs(1, 0)).toBe(1600);
    expect(backoffMs(1, 0.999999)).toBe(2400);
    expect(backoffMs(10, 0.999999)).toBe(BACKOFF_MAX_MS);
    expect(backoffMs(0)).toBe(2000);
  });

  it("waits at least as long as the server's Retry-After", () => {
    expect(backoffMs(1, 0.5, 120_000)).toBe(120_000);
    expect(backoffMs(3, 0.5, 1_000)).toBe(8000);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("30", now)).toBe(30_000);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", now)).toBe(10_000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter("soon", now)).toBeNull();
  });
});

describe("the API client and Retry-After", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("puts the server's Retry-After on the error, and a failed fetch is a network error", async () => {
    const body = JSON.stringify({ error: "ServiceUnavailable", detail: "maintenance" });
    vi.stubGlobal("fetch", vi.fn(async () => new Response(body, { status: 503, headers: { "Retry-After": "12" } })));
    const err = await request("POST", "labeling/next").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).retryAfterMs).toBe(12_000);
    expect(classify(err)).toEqual({ kind: "retry", retryAfterMs: 12_000 });

    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const offline = await request("POST", "labeling/next").catch((e: unknown) => e);
    expect((offline as ApiError).isNetwork).toBe(true);
    expect(shouldQueue(offline)).toBe(true);
  });
});

describe("sendOrder", () => {
  it("sends first-queued first, by sequence then time then id", () => {
    const row = (id: string, seq: number, at: number): QueuedSubmission => ({ ...sub(1), submission_id: id, seq, queued_at: at, attempts: 0 });
    const order = sendOrder([row("c", 3, 1), row("b", 1, 9), row("a", 1, 9), row("d", 2, 5)]).map((r) => r.submission_id);
    expect(order).toEqual(["a", "b", "d", "c"]);
  });
});

describe("SubmissionStore and flushQueue (fake IndexedDB)", () => {
  let store: SubmissionStore;
  let dbName: string;
  let n = 0;

  beforeEach(async () => {
    dbName = `test-queue-${++n}`;
    store = await SubmissionStore.open(dbName);
  });
  afterEach(() => store.close());

  it("keeps the queue order and one entry per submission id", async () => {
    await store.add(sub(2), 1000);
    await store.add(sub(1), 1000); // same millisecond: the sequence decides
    await store.add(sub(3), 900); // a clock step back does not reorder
    await store.add(sub(2), 5000); // queued again: keeps its place
    await store.add(sub(9, "someone-else"));
    expect((await store.pending("u1")).map((e) => e.submission_id)).toEqual(["s2", "s1", "s3"]);
    expect((await store.pending("someone-else")).map((e) => e.submission_id)).toEqual(["s9"]);
  });

  it("survives reopening (a reload)", async () => {
    await store.add(sub(1));
    store.close();
    store = await SubmissionStore.open(dbName);
    expect((await store.pending("u1")).map((e) => e.submission_id)).toEqual(["s1"]);
  });

  it("sends in order with the same submission ids and empties the queue on success", async () => {
    for (const i of [1, 2, 3]) await store.add(sub(i));
    const sent: string[] = [];
    const res = await flushQueue(store, "u1", async (e) => {
      sent.push(e.submission_id);
      return { replayed: e.submission_id === "s2" };
    });
    expect(sent).toEqual(["s1", "s2", "s3"]);
    expect(res.sent.map((e) => e.submission_id)).toEqual(["s1", "s2", "s3"]);
    expect(res.retry).toBeNull();
    expect(await store.pending("u1")).toEqual([]);
  });

  it("stops at a network error and keeps that entry and the rest, in order", async () => {
    for (const i of [1, 2, 3]) await store.add(sub(i));
    const sent: string[] = [];
    const res = await flushQueue(store, "u1", async (e) => {
      sent.push(e.submission_id);
      if (e.submission_id === "s2") throw apiError(503, "ServiceUnavailable", "", 7000);
    });
    expect(sent).toEqual(["s1", "s2"]);
    expect(res.retry).toEqual({ attempts: 1, retryAfterMs: 7000 });
    expect(res.remaining).toBe(2);
    const left = await store.pending("u1");
    expect(left.map((e) => [e.submission_id, e.attempts])).toEqual([
      ["s2", 1],
      ["s3", 0],
    ]);

    const again = await flushQueue(store, "u1", async () => {
      throw networkError(null);
    });
    expect(again.retry?.attempts).toBe(2);
    expect((await store.pending("u1")).length).toBe(2);
  });

  it("records refusals as failed with the reason and goes on with the rest", async () => {
    for (const i of [1, 2, 3, 4]) await store.add(sub(i));
    const res = await flushQueue(store, "u1", async (e) => {
      if (e.submission_id === "s1") throw apiError(409, "LeaseLost", "lease gone");
      if (e.submission_id === "s3") throw apiError(422, "ValidationError", "unknown label");
    });
    expect(res.sent.map((e) => e.submission_id)).toEqual(["s2", "s4"]);
    expect(res.failed.map((f) => [f.submission_id, f.reason, f.status])).toEqual([
      ["s1", "LeaseLost", 409],
      ["s3", "ValidationError", 422],
    ]);
    expect(await store.pending("u1")).toEqual([]);
    const failed = await store.failed("u1");
    expect(failed.map((f) => f.submission_id).sort()).toEqual(["s1", "s3"]);
    expect(failed.find((f) => f.submission_id === "s3")).toMatchObject({ assignment_id: 103, items: 1, detail: "unknown label" });
    expect(await store.failed("someone-else")).toEqual([]);

    await store.clearFailed("u1");
    expect(await store.failed("u1")).toEqual([]);
  });

  it("leaves other users' queued work alone", async () => {
    await store.add(sub(1, "u2"));
    const res = await flushQueue(store, "u1", async () => {
      throw new Error("must not be called");
    });
    expect(res.sent).toEqual([]);
    expect((await store.pending("u2")).length).toBe(1);
  });
});
