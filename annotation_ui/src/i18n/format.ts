/**
 * Locale-aware formatting with Intl. Every function takes the locale explicitly (default: the
 * active one) so tests can check each locale; dates render in the viewer's time zone unless one
 * is given.
 */
import { getLocale, type Locale } from "./index";

export interface DateOptions {
  timeZone?: string;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function toDate(value: string | number | Date): Date | null {
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function formatNumber(value: number, locale: Locale = getLocale()): string {
  return new Intl.NumberFormat(locale).format(value);
}

/**
 * Money from the API's decimal string (e.g. "0.35") in the given ISO currency (CNY).
 * Per-item prices can have more than 2 decimals, so up to `maxFractionDigits` are kept.
 */
export function formatMoney(
  amount: string | number,
  currency = "CNY",
  locale: Locale = getLocale(),
  maxFractionDigits = 2,
): string {
  const n = typeof amount === "number" ? amount : Number(amount);
  if (typeof amount === "string" && amount.trim() === "") return "";
  if (!Number.isFinite(n)) return String(amount);
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency,
    minimumFractionDigits: 2,
    maximumFractionDigits: Math.max(2, maxFractionDigits),
  }).format(n);
}

/** A calendar date. A date-only string ("2025-12-31") is shown as that day in every time zone. */
export function formatDate(
  value: string | number | Date,
  locale: Locale = getLocale(),
  options: DateOptions = {},
): string {
  const d = toDate(value);
  if (!d) return String(value);
  const timeZone = typeof value === "string" && DATE_ONLY.test(value) ? "UTC" : options.timeZone;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone }).format(d);
}

export function formatDateTime(
  value: string | number | Date,
  locale: Locale = getLocale(),
  options: DateOptions = {},
): string {
  if (typeof value === "string" && DATE_ONLY.test(value)) return formatDate(value, locale, options);
  const d = toDate(value);
  if (!d) return String(value);
  return new Intl.DateTimeFormat(locale, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: options.timeZone,
  }).format(d);
}

/**
 * A duration such as active time: "1 hr 5 min" / "1小时5分钟"; seconds only under an hour.
 * (Intl.DurationFormat is not in every supported browser yet, so units are joined by hand.)
 */
export function formatDuration(ms: number, locale: Locale = getLocale()): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const unit = (value: number, u: "hour" | "minute" | "second") =>
    new Intl.NumberFormat(locale, { style: "unit", unit: u, unitDisplay: "short" }).format(value);
  const parts = h ? [unit(h, "hour"), unit(m, "minute")] : m ? [unit(m, "minute"), unit(s, "second")] : [unit(s, "second")];
  return parts.join(locale.startsWith("zh") ? "" : " ");
}
