import { describe, expect, it } from "vitest";
import { EMPTY, HEAT_STEPS, formatInterval, formatPercent, formatScore, heatStep } from "../src/quality/format";

/** WCAG 2 contrast of two "#rrggbb" colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const v = parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe("quality numbers", () => {
  it("formats shares as percents for each locale", () => {
    expect(formatPercent(0.8421, "en", 1)).toBe("84.2%");
    expect(formatPercent(0.8421, "zh-CN")).toBe("84%");
    expect(formatPercent(1, "en")).toBe("100%");
  });

  it("shows a dash for figures not computed yet", () => {
    expect(formatPercent(null)).toBe(EMPTY);
    expect(formatPercent(undefined)).toBe(EMPTY);
    expect(formatPercent(Number.NaN)).toBe(EMPTY);
    expect(formatScore(null)).toBe(EMPTY);
    expect(formatInterval(null)).toBe(EMPTY);
  });

  it("gives coefficients two decimals, negative ones included", () => {
    expect(formatScore(0.4, "en")).toBe("0.40");
    expect(formatScore(-0.104, "en")).toBe("-0.10");
    expect(formatScore(1, "zh-CN")).toBe("1.00");
  });

  it("formats a 95% interval", () => {
    expect(formatInterval([0.566, 1], "en")).toBe("57%–100%");
  });
});

describe("heat map steps", () => {
  it("maps 0..1 onto the steps, clamping and skipping missing values", () => {
    expect(heatStep(0)).toBe(0);
    expect(heatStep(-0.3)).toBe(0);
    expect(heatStep(0.5)).toBe(3);
    expect(heatStep(0.99)).toBe(HEAT_STEPS.length - 1);
    expect(heatStep(1)).toBe(HEAT_STEPS.length - 1);
    expect(heatStep(7)).toBe(HEAT_STEPS.length - 1);
    expect(heatStep(null)).toBeNull();
    expect(heatStep(Number.NaN)).toBeNull();
  });

  it("keeps every step's text at 4.5:1 or more", () => {
    for (const s of HEAT_STEPS) expect(contrast(s.background, s.color)).toBeGreaterThanOrEqual(4.5);
  });

  it("gets darker step by step", () => {
    const dark = HEAT_STEPS.map((s) => contrast(s.background, "#ffffff"));
    for (let i = 1; i < dark.length; i++) expect(dark[i]!).toBeGreaterThan(dark[i - 1]!);
  });
});
