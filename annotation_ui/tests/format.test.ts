import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime, formatMoney, formatNumber } from "../src/i18n/format";

// Intl output can use narrow/no-break spaces; compare with ordinary spaces.
const norm = (s: string) => s.replace(/[\u00a0\u202f]/g, " ");

describe("numbers", () => {
  it("groups thousands per locale", () => {
    expect(formatNumber(1234567.5, "en")).toBe("1,234,567.5");
    expect(formatNumber(1234567.5, "zh-CN")).toBe("1,234,567.5");
    expect(formatNumber(5000, "zh-CN")).toBe("5,000");
  });
});

describe("money (CNY)", () => {
  it("uses the yuan sign in Chinese and CN¥ in English", () => {
    expect(formatMoney("1234.5", "CNY", "zh-CN")).toBe("¥1,234.50");
    expect(norm(formatMoney("1234.5", "CNY", "en"))).toBe("CN¥1,234.50");
  });

  it("keeps sub-fen per-item prices when asked", () => {
    expect(formatMoney("0.0125", "CNY", "zh-CN", 4)).toBe("¥0.0125");
    expect(formatMoney("0.35", "CNY", "zh-CN", 4)).toBe("¥0.35");
    expect(formatMoney("0.0125", "CNY", "zh-CN")).toBe("¥0.01");
  });

  it("accepts numbers, and shows unparseable input as-is", () => {
    expect(formatMoney(1_000_000_000, "CNY", "zh-CN")).toBe("¥1,000,000,000.00");
    expect(formatMoney("n/a", "CNY", "en")).toBe("n/a");
    expect(formatMoney("", "CNY", "en")).toBe("");
  });
});

describe("dates", () => {
  const iso = "2025-11-26T05:50:00Z"; // 13:50 in Shanghai

  it("formats a date per locale", () => {
    expect(formatDate(iso, "zh-CN", { timeZone: "Asia/Shanghai" })).toBe("2025年11月26日");
    expect(formatDate(iso, "en", { timeZone: "Asia/Shanghai" })).toBe("Nov 26, 2025");
  });

  it("formats date and time in the given time zone", () => {
    const zh = norm(formatDateTime(iso, "zh-CN", { timeZone: "Asia/Shanghai" }));
    expect(zh).toContain("2025年11月26日");
    expect(zh).toContain("13:50");
    const en = norm(formatDateTime(iso, "en", { timeZone: "Asia/Shanghai" }));
    expect(en).toContain("Nov 26, 2025");
    expect(en).toContain("1:50 PM");
    expect(norm(formatDateTime(iso, "en", { timeZone: "UTC" }))).toContain("5:50 AM");
  });

  it("shows a date-only value as that calendar day in any time zone", () => {
    expect(formatDate("2025-12-31", "en", { timeZone: "America/Los_Angeles" })).toBe("Dec 31, 2025");
    expect(formatDateTime("2025-12-31", "zh-CN", { timeZone: "Pacific/Honolulu" })).toBe("2025年12月31日");
  });

  it("shows invalid input as-is instead of 'Invalid Date'", () => {
    expect(formatDate("not a date", "en")).toBe("not a date");
    expect(formatDateTime("soon", "zh-CN")).toBe("soon");
  });
});
