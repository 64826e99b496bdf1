/**
 * What the stats pages chart and sum up from a work report: the figures of a span, labels per
 * day, and a trend per day or week. Periods without work are drawn as 0.
 */
import type { WorkReport, WorkRow } from "../api/types";
import { t } from "../i18n";
import type { ChartSpec } from "./chart";
import type { Figure } from "./figures";
import { count, EMPTY, hours, money, periodTick, rate, share } from "./format";
import { hoursBetween, periodsBetween } from "./periods";
import { byPeriod } from "./rows";

export function workFigures(r: WorkRow | null): Figure[] {
  const v = <T>(f: (row: WorkRow) => T) => (r ? f(r) : null);
  return [
    { name: "labels", label: t("stats.labels"), value: count(v((x) => x.labels)) },
    { name: "accepted", label: t("stats.accepted"), value: count(v((x) => x.accepted)) },
    { name: "active_hours", label: t("stats.activeHours"), value: hours(v((x) => x.active_hours)) },
    { name: "labels_per_active_hour", label: t("stats.perHour"), value: rate(v((x) => x.labels_per_active_hour)) },
    { name: "gold_accuracy", label: t("stats.goldAccuracy"), value: share(v((x) => x.gold_accuracy)), hint: goldHint(r) },
    { name: "agreement", label: t("stats.agreement"), value: share(v((x) => x.agreement)) },
    { name: "skips", label: t("stats.skips"), value: count(v((x) => x.skips)) },
    { name: "earned", label: t("stats.earned"), value: r ? money(r.earned) : EMPTY },
  ];
}

function goldHint(r: WorkRow | null): string | undefined {
  if (!r || typeof r.gold_judged !== "number" || !r.gold_judged) return undefined;
  return t("stats.nOfM", { n: count(r.gold_correct ?? 0), m: count(r.gold_judged) });
}

/** Labels and accepted per day over every day of the report (days without work are 0). */
export function dailySpec(report: WorkReport, label: string): ChartSpec {
  const rows = byPeriod(report.rows);
  const days = periodsBetween(report.start, report.end, "day");
  return {
    label,
    categories: days.map((d) => periodTick(d, "day")),
    series: [
      { name: t("stats.labels"), type: "bar", data: days.map((d) => rows.get(d)?.labels ?? 0) },
      { name: t("stats.accepted"), type: "line", data: days.map((d) => rows.get(d)?.accepted ?? 0) },
    ],
  };
}

/** Labels and accepted (left axis) and CNY earned (right axis) per period, gaps as 0. */
export function trendSpec(report: WorkReport, step: "day" | "week", label: string): ChartSpec {
  const rows = byPeriod(report.rows);
  const periods = periodsBetween(report.start, report.end, step);
  return {
    label,
    categories: periods.map((p) => periodTick(p, step)),
    series: [
      { name: t("stats.labels"), type: "bar", data: periods.map((p) => rows.get(p)?.labels ?? 0) },
      { name: t("stats.accepted"), type: "line", data: periods.map((p) => rows.get(p)?.accepted ?? 0) },
      { name: t("stats.earned"), type: "line", axis: 1, data: periods.map((p) => Number(rows.get(p)?.earned ?? 0)) },
    ],
    format: [(v) => count(v), (v) => money(v)],
  };
}


/** Labels and accepted per park hour over the report's days, up to the current hour. */
export function hourlySpec(report: WorkReport, label: string): ChartSpec {
  const rows = byPeriod(report.rows);
  const hours = hoursBetween(report.start, report.end);
  const at = ([day, hour]: [string, number]) => rows.get(`${day}T${hour}`);
  return {
    label,
    categories: hours.map(([day, hour]) => periodTick(day, "hour", hour)),
    series: [
      { name: t("stats.labels"), type: "bar", data: hours.map((h) => at(h)?.labels ?? 0) },
      { name: t("stats.accepted"), type: "line", data: hours.map((h) => at(h)?.accepted ?? 0) },
    ],
  };
}
