import { describe, expect, it } from "vitest";
import { formatDuration } from "../src/i18n/format";
import {
  ActiveClock,
  IDLE_MS,
  formatCountdown,
  heartbeatIntervalMs,
  shouldHeartbeat,
} from "../src/work/activity";

describe("active time", () => {
  it("counts continuous work", () => {
    const c = new ActiveClock(0);
    for (let t = 1000; t <= 10_000; t += 1000) c.input(t);
    expect(c.elapsed(10_000)).toBe(10_000);
  });

  it("excludes idle gaps beyond the idle window", () => {
    const c = new ActiveClock(0);
    c.input(5_000);
    // no input for 5 minutes: only IDLE_MS after the last input counts
    c.input(305_000);
    expect(c.elapsed(305_000)).toBe(5_000 + IDLE_MS);
    c.input(306_000);
    expect(c.elapsed(306_000)).toBe(5_000 + IDLE_MS + 1_000);
  });

  it("stops while the tab is hidden", () => {
    const c = new ActiveClock(0);
    c.input(2_000);
    c.setVisible(false, 4_000);
    c.input(10_000); // e.g. a key pressed in another window reaching us late
    c.setVisible(true, 20_000);
    c.input(21_000);
    expect(c.elapsed(22_000)).toBe(4_000 + 2_000);
  });

  it("starts over for each item", () => {
    const c = new ActiveClock(0);
    c.input(10_000);
    c.reset(50_000);
    expect(c.elapsed(51_000)).toBe(1_000);
  });

  it("ignores clocks going backwards", () => {
    const c = new ActiveClock(10_000);
    c.input(5_000);
    expect(c.elapsed(11_000)).toBe(1_000);
  });
});

describe("lease", () => {
  it("beats every min(60 s, lease / 3)", () => {
    expect(heartbeatIntervalMs(300)).toBe(60_000);
    expect(heartbeatIntervalMs(90)).toBe(30_000);
    expect(heartbeatIntervalMs(3)).toBe(5_000);
  });

  it("beats only while visible and recently active", () => {
    expect(shouldHeartbeat(100_000, 0, true)).toBe(true);
    expect(shouldHeartbeat(121_000, 0, true)).toBe(false);
    expect(shouldHeartbeat(1_000, 0, false)).toBe(false);
  });

  it("formats the countdown", () => {
    expect(formatCountdown(245_400)).toBe("4:05");
    expect(formatCountdown(-5)).toBe("0:00");
  });
});

describe("formatDuration", () => {
  it("formats for each locale", () => {
    expect(formatDuration(42_000, "en")).toBe("42 sec");
    expect(formatDuration(65_000, "en")).toBe("1 min 5 sec");
    expect(formatDuration(3_900_000, "en")).toBe("1 hr 5 min");
    expect(formatDuration(65_000, "zh-CN")).toBe("1分钟5秒");
    expect(formatDuration(-1, "zh-CN")).toBe("0秒");
  });
});
