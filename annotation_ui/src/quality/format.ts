/**
 * Numbers of the quality pages, for the active locale (Intl): shares as percents, agreement
 * coefficients (kappa, alpha: -1..1) with two decimals, and the colour steps of the CSS-only
 * heat maps. A missing value (a metric not computed yet) is "—".
 */
import { getLocale, type Locale } from "../i18n";

export const EMPTY = "—";

export function formatPercent(value: number | null | undefined, locale: Locale = getLocale(), digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: digits }).format(value);
}

/** A coefficient such as Cohen's kappa: always two decimals ("0.42", "-0.10"). */
export function formatScore(value: number | null | undefined, locale: Locale = getLocale()): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
}

/** A 95% interval of a share, e.g. "57%–100%". */
export function formatInterval(ci: readonly [number, number] | null | undefined, locale: Locale = getLocale()): string {
  if (!ci) return EMPTY;
  return `${formatPercent(ci[0], locale)}–${formatPercent(ci[1], locale)}`;
}

/**
 * Heat-map steps from white to the primary blue. The text colour of each step keeps 4.5:1
 * (tests/quality-format.test.ts checks it): a continuous scale would pass through a band of
 * mid blues where neither dark nor white text reaches it.
 */
export const HEAT_STEPS: readonly { background: string; color: string }[] = [
  { background: "#ffffff", color: "#111827" },
  { background: "#e8eefc", color: "#111827" },
  { background: "#c7d5f7", color: "#111827" },
  { background: "#9fb5ef", color: "#111827" },
  { background: "#3b5fc9", color: "#ffffff" },
  { background: "#1e40af", color: "#ffffff" },
];

/** The step of a value in 0..1 (negative coefficients count as 0); null for no value. */
export function heatStep(value: number | null | undefined): number | null {
  if (value === null || value === undefined || !Number.isFinite(value)) return null;
  const v = Math.min(1, Math.max(0, value));
  return Math.min(HEAT_STEPS.length - 1, Math.floor(v * HEAT_STEPS.length));
}
