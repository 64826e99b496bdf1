/**
 * The park's calendar in the browser: its days are Asia/Shanghai days (as on the server,
 * app/stats/periods.py), whatever the viewer's time zone. Dates are "YYYY-MM-DD" strings and
 * the arithmetic runs in UTC so no local offset or daylight saving shifts a day.
 */
import type { Granularity } from "../api/types";

export const PARK_TIME_ZONE = "Asia/Shanghai";

/** Today in the park, "YYYY-MM-DD". */
export function parkToday(now = new Date()): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", { timeZone: PARK_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** The park's current hour (0–23). */
export function parkHour(now = new Date()): number {
  return Number(new Intl.DateTimeFormat("en-GB", { timeZone: PARK_TIME_ZONE, hour: "2-digit", hourCycle: "h23" }).format(now));
}

/** Every park hour from `start`'s midnight through the current hour of `end` (or all of it if
 * `end` is not today), as [day, hour] pairs. */
export function hoursBetween(start: string, end: string, now = new Date()): [string, number][] {
  const today = parkToday(now);
  const last = parkHour(now);
  return periodsBetween(start, end, "day").flatMap((day) =>
    Array.from({ length: 24 }, (_, h) => [day, h] as [string, number]).filter(([d, h]) => d !== today || h <= last),
  );
}

function toUtc(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

function iso(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(day: string, n: number): string {
  const d = toUtc(day);
  d.setUTCDate(d.getUTCDate() + n);
  return iso(d);
}

/** The first day of the period holding `day`: itself, its ISO week's Monday, or the 1st. */
export function periodStart(day: string, granularity: Granularity): string {
  const d = toUtc(day);
  if (granularity === "week") d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  if (granularity === "month") d.setUTCDate(1);
  return iso(d);
}

/** Every period from the one holding `start` to the one holding `end`, as the server names
 * them (their first day), so days without work show as zero in charts. Not for "hour". */
export function periodsBetween(start: string, end: string, granularity: Exclude<Granularity, "hour">): string[] {
  const out: string[] = [];
  const last = toUtc(periodStart(end, granularity)).getTime();
  for (let d = toUtc(periodStart(start, granularity)); d.getTime() <= last; ) {
    out.push(iso(d));
    if (granularity === "day") d.setUTCDate(d.getUTCDate() + 1);
    else if (granularity === "week") d.setUTCDate(d.getUTCDate() + 7);
    else d.setUTCMonth(d.getUTCMonth() + 1);
  }
  return out;
}

/** "YYYY-MM" of a day. */
export function monthOf(day: string): string {
  return day.slice(0, 7);
}

/** The month before "YYYY-MM". */
export function previousMonth(month: string): string {
  const d = toUtc(`${month}-01`);
  d.setUTCMonth(d.getUTCMonth() - 1);
  return iso(d).slice(0, 7);
}

export function isMonth(value: string): boolean {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(value);
}
