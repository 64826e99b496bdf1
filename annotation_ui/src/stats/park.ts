/**
 * The park dashboard's parts (pages/stats-park.ts wires them): the figures against the park's
 * targets as bars, the 12-month trend (chart and table), and the columns of the year's
 * vendor and milestone tables.
 */
import { html, type TemplateResult } from "lit-html";
import type { Milestone, MonthFigures, ParkDashboard, Target } from "../api/types";
import { t, type MessageKey } from "../i18n";
import { formatDate } from "../i18n/format";
import type { Column } from "../ui/table";
import type { ChartSpec } from "./chart";
import { meter } from "./figures";
import { count, money, monthName, periodTick } from "./format";
import { addDays, periodsBetween } from "./periods";

const TARGETS: readonly { key: keyof Omit<ParkDashboard, "as_of" | "trend">; label: MessageKey; money?: boolean }[] = [
  { key: "active_annotators_7d", label: "park.activeAnnotators7d" },
  { key: "active_annotators_30d", label: "park.activeAnnotators30d" },
  { key: "active_enterprises_30d", label: "park.activeEnterprises30d" },
  { key: "revenue_12m", label: "park.revenue12m", money: true },
  { key: "headcount", label: "park.headcount" },
];

export function targetMeters(d: ParkDashboard): TemplateResult {
  const fmt = (v: Target["value"], isMoney?: boolean) => (isMoney ? money(v) : count(Number(v)));
  return html`<div class="meters">
    ${TARGETS.map((x) => {
      const target = d[x.key];
      return meter({ id: `park-${x.key}`, label: t(x.label), value: fmt(target.value, x.money), target: fmt(target.target, x.money), share: target.share });
    })}
  </div>`;
}

/** The 12 months up to `as_of`'s, months without work drawn as 0 (the API lists only months
 * with work). */
export function trendSpec(d: ParkDashboard, label: string): ChartSpec {
  const byMonth = new Map(d.trend.map((m) => [m.month.slice(0, 7), m]));
  const last = `${d.as_of.slice(0, 7)}-01`;
  const months = periodsBetween(addDays(last, -334), last, "month");
  const at = (month: string) => byMonth.get(month.slice(0, 7));
  return {
    label,
    categories: months.map((m) => periodTick(m, "month")),
    series: [
      { name: t("stats.labels"), type: "bar", data: months.map((m) => at(m)?.labels ?? 0) },
      { name: t("park.activeAnnotators"), type: "line", data: months.map((m) => at(m)?.active_annotators ?? 0) },
      { name: t("park.revenue"), type: "line", axis: 1, data: months.map((m) => Number(at(m)?.revenue ?? 0)) },
    ],
    format: [(v) => count(v), (v) => money(v)],
  };
}

const num = <T>(key: MessageKey, get: (r: T) => number): Column<T> => ({
  header: () => t(key),
  cell: (r) => count(get(r)),
  csv: get,
  sort: get,
  numeric: true,
});

export const trendColumns: Column<MonthFigures>[] = [
  { header: () => t("stats.month"), cell: (m) => monthName(m.month), csv: (m) => m.month.slice(0, 7), sort: (m) => m.month, rowHeader: true, nowrap: true },
  num("park.activeAnnotators", (m) => m.active_annotators),
  num("park.activeVendors", (m) => m.active_vendors),
  num("stats.labels", (m) => m.labels),
  num("stats.accepted", (m) => m.accepted),
  { header: () => t("park.revenue"), cell: (m) => money(m.revenue), csv: (m) => m.revenue, sort: (m) => Number(m.revenue), numeric: true, nowrap: true },
];

const cny = (key: MessageKey, get: (m: Milestone) => string): Column<Milestone> => ({
  header: () => t(key),
  cell: (m) => money(get(m)),
  csv: get,
  sort: (m) => Number(get(m)),
  numeric: true,
  nowrap: true,
});

export const milestoneColumns: Column<Milestone>[] = [
  { header: () => t("stats.vendor"), cell: (m) => m.enterprise_name, csv: (m) => m.enterprise_name, sort: (m) => m.enterprise_name, rowHeader: true },
  num("park.staff", (m) => m.staff),
  cny("park.threshold", (m) => m.threshold_cny),
  cny("park.award", (m) => m.award_cny),
  cny("park.yearRevenue", (m) => m.year_revenue),
  { header: () => t("park.passedOn"), cell: (m) => formatDate(m.passed_on), csv: (m) => m.passed_on, sort: (m) => m.passed_on, nowrap: true },
];
