/**
 * How the stats pages show their figures, for the active locale: money in CNY with two
 * decimals, hours, rates, shares, and period names for tables and chart axes. A figure the
 * server did not send (an older server) or could not compute is "—".
 */
import type { Decimal, Granularity } from "../api/types";
import { getLocale, t, type Locale } from "../i18n";
import { formatDate, formatDuration, formatMoney, formatNumber } from "../i18n/format";
import { EMPTY, formatPercent } from "../quality/format";

export { EMPTY };

type Maybe<T> = T | null | undefined;

export function money(value: Maybe<Decimal | number>, locale: Locale = getLocale()): string {
  if (value === null || value === undefined || value === "") return EMPTY;
  return formatMoney(value, "CNY", locale);
}

export function count(value: Maybe<number>, locale: Locale = getLocale()): string {
  return value === null || value === undefined || !Number.isFinite(value) ? EMPTY : formatNumber(value, locale);
}

/** Hours of work as a duration ("1小时5分钟", "6 min 18 sec"): seconds matter early on. */
export function hours(value: Maybe<number>, locale: Locale = getLocale()): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  return formatDuration(value * 3_600_000, locale);
}

/** A rate such as labels per active hour, one decimal. */
export function rate(value: Maybe<number>, locale: Locale = getLocale()): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 1 }).format(value);
}

/** A share such as gold accuracy: one decimal ("93.8%"). */
export function share(value: Maybe<number>, locale: Locale = getLocale()): string {
  return formatPercent(value, locale, 1);
}

/** A share of a target, which can be tiny early on: up to two decimals ("0.04%"), and
 * "<0.01%" rather than a misleading "0%" for a start. */
export function targetShare(value: Maybe<number>, locale: Locale = getLocale()): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return EMPTY;
  const pct = (v: number, digits: number) => new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: digits }).format(v);
  if (value > 0 && value < 0.0001) return `<${pct(0.0001, 2)}`;
  return pct(value, value < 0.1 ? 2 : 1);
}

/** A period for a table cell: the day, the week ("week of 2 Jun 2025"), or the month. */
export function periodName(period: string, granularity: Granularity, hour?: number | null, locale: Locale = getLocale()): string {
  if (granularity === "month") return monthName(period, locale);
  if (granularity === "week") return t("stats.weekOf", { day: formatDate(period, locale) });
  const day = formatDate(period, locale);
  return granularity === "hour" && typeof hour === "number" ? `${day} ${String(hour).padStart(2, "0")}:00` : day;
}

/** A period for a chart axis: short ("6/3", "6月", "Jun"). */
export function periodTick(period: string, granularity: Granularity, hour?: number | null, locale: Locale = getLocale()): string {
  const d = new Date(`${period}T00:00:00Z`);
  if (granularity === "month") return new Intl.DateTimeFormat(locale, { year: "2-digit", month: "short", timeZone: "UTC" }).format(d);
  const day = new Intl.DateTimeFormat(locale, { month: "numeric", day: "numeric", timeZone: "UTC" }).format(d);
  return granularity === "hour" && typeof hour === "number" ? `${day} ${hour}:00` : day;
}

/** "2025年6月" / "June 2025" for "YYYY-MM" or a month's first day. */
export function monthName(month: string, locale: Locale = getLocale()): string {
  const d = new Date(`${month.slice(0, 7)}-01T00:00:00Z`);
  return new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", timeZone: "UTC" }).format(d);
}

/** A file's size: bytes below 1 kB, else kB / MB / GB (powers of 1000, as the units say) with
 * up to one decimal. */
export function fileSize(bytes: Maybe<number>, locale: Locale = getLocale()): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes) || bytes < 0) return EMPTY;
  const units = ["kilobyte", "megabyte", "gigabyte"] as const;
  if (bytes < 1000) return new Intl.NumberFormat(locale, { style: "unit", unit: "byte", unitDisplay: "long" }).format(bytes);
  let value = bytes / 1000;
  let i = 0;
  // 999,960 bytes is "1 MB", not "1,000 kB": compare what one decimal shows.
  while (Math.round(value * 10) / 10 >= 1000 && i < units.length - 1) {
    value /= 1000;
    i += 1;
  }
  return new Intl.NumberFormat(locale, { style: "unit", unit: units[i], unitDisplay: "short", maximumFractionDigits: 1 }).format(value);
}
