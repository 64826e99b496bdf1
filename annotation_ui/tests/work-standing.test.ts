import { afterEach, describe, expect, it, vi } from "vitest";
import type { MyStanding } from "../src/api/types";
import type { PageContext } from "../src/ui/page";
import { createStandingFeed, formatPercent, goldSummary, REFRESH_MS, REFRESH_SUBMITS, refreshDue, standingNotices } from "../src/work/standing";
import { newWorkState } from "../src/work/state";

afterEach(() => vi.unstubAllGlobals());

const row = (over: Partial<MyStanding> = {}): MyStanding => ({
  job_id: "j1",
  job_name: "商品评论",
  labels: 12,
  gold_total: 0,
  gold_correct: 0,
  gold_accuracy: null,
  gold_accuracy_ci: null,
  flagged_at: null,
  flag_reason: null,
  paused: false,
  pause_reason: null,
  paused_at: null,
  ...over,
});

describe("when the standing is fetched again", () => {
  it("waits for several submits or a minute, not every label", () => {
    expect(refreshDue(1, 0, 1000)).toBe(false);
    expect(refreshDue(REFRESH_SUBMITS - 1, 0, REFRESH_MS - 1)).toBe(false);
    expect(refreshDue(REFRESH_SUBMITS, 0, 1000)).toBe(true);
    expect(refreshDue(1, 0, REFRESH_MS)).toBe(true);
  });

  it("fetches after REFRESH_SUBMITS submits, then counts from zero", async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify([row({ gold_total: 5, gold_correct: 4 })]), { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    const state = newWorkState();
    const update = vi.fn();
    const ctx = { signal: new AbortController().signal, update } as unknown as PageContext;
    const feed = createStandingFeed(ctx, state, () => 0);
    for (let i = 0; i < REFRESH_SUBMITS - 1; i++) feed.submitted();
    expect(fetch).not.toHaveBeenCalled();
    feed.submitted();
    await feed.refresh(); // joins the running fetch
    expect(fetch).toHaveBeenCalledTimes(1);
    expect((fetch.mock.calls[0] as unknown as [string])[0]).toBe("/api/v1/labeling/standing");
    expect(state.standing?.[0]?.gold_correct).toBe(4);
    expect(update).toHaveBeenCalled();
    feed.submitted();
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("keeps what it had when the server cannot be reached", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const state = newWorkState();
    state.standing = [row()];
    const ctx = { signal: new AbortController().signal, update: vi.fn() } as unknown as PageContext;
    await createStandingFeed(ctx, state).refresh();
    expect(state.standing).toEqual([row()]);
  });
});

describe("what the session panel shows", () => {
  it("shows gold accuracy once there is a gold answer", () => {
    expect(goldSummary(undefined)).toBeNull();
    expect(goldSummary(row())).toBeNull();
    const gold = goldSummary(row({ gold_total: 5, gold_correct: 4, gold_accuracy: 0.8, gold_accuracy_ci: [0.376, 0.964] }));
    expect(gold).toEqual({ accuracy: 0.8, correct: 4, total: 5, ci: [0.376, 0.964] });
    expect(formatPercent(0.8, "zh-CN")).toBe("80%");
    expect(formatPercent(0.376, "en")).toBe("38%");
  });

  it("explains every pause when no job is left, else only the current job's pause or flag", () => {
    const paused = row({ job_id: "j1", paused: true, pause_reason: "gold accuracy 0% (0/1)" });
    const flagged = row({ job_id: "j2", job_name: "图片", flagged_at: "2026-01-01T00:00:00Z", flag_reason: "fast" });
    const fine = row({ job_id: "j3" });
    const rows = [paused, flagged, fine];
    expect(standingNotices(null, "j1", true)).toEqual({ paused: [], flagged: [] });
    expect(standingNotices(rows, null, true)).toEqual({ paused: [paused], flagged: [] });
    expect(standingNotices(rows, "j2", true)).toEqual({ paused: [paused], flagged: [flagged] });
    expect(standingNotices(rows, "j1", false)).toEqual({ paused: [paused], flagged: [] });
    expect(standingNotices(rows, "j2", false)).toEqual({ paused: [], flagged: [flagged] });
    expect(standingNotices(rows, "j3", false)).toEqual({ paused: [], flagged: [] });
  });
});
