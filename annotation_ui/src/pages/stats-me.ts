/**
 * My stats (annotators): the last 30 park days of one's own work — the figures, labels and
 * accepted labels per day (or, for the last two days, per hour) as a chart, and the days as a
 * table (CSV).
 */
import { html, nothing } from "lit-html";
import { api } from "../api/endpoints";
import { t } from "../i18n";
import { errorAlert } from "../ui/components";
import type { PageFactory } from "../ui/page";
import { resource } from "../ui/resource";
import { StatsChart } from "../stats/chart";
import { periodColumn, workColumns } from "../stats/columns";
import { figures } from "../stats/figures";
import { addDays, parkToday } from "../stats/periods";
import { chartCard, statsTable, stepChooser, stepLabel, TableSort, type ChartStep } from "../stats/section";
import { dailySpec, hourlySpec, workFigures } from "../stats/specs";

const DAYS = 30;
const HOURLY_DAYS = 2;

const columns = [
  periodColumn("day"),
  ...workColumns(["labels", "accepted", "rejected", "pending", "skips", "active_hours", "labels_per_active_hour", "gold_accuracy", "agreement", "earned"]),
];

const myStatsPage: PageFactory = (ctx) => {
  const end = parkToday();
  const start = addDays(end, -(DAYS - 1));
  const report = resource((signal) => api.workReport({ start, end, granularity: "day", group_by: "park" }, { signal }), ctx.signal, ctx.update);
  // The chart's other view: the last two days by hour (loaded when asked for).
  const s: { step: ChartStep } = { step: "day" };
  const hourly = resource(
    (signal) => api.workReport({ start: addDays(end, -(HOURLY_DAYS - 1)), end, granularity: "hour", group_by: "park" }, { signal }),
    ctx.signal,
    ctx.update,
  );
  const chart = new StatsChart();
  const sort = new TableSort(columns, { index: 0, dir: "desc" }, ctx.update);
  void report.load();

  return {
    view() {
      const r = report.data;
      if (report.error && !r) return errorAlert(report.error, () => void report.load());
      return html`
        <p class="muted">${t("statsMe.intro", { days: DAYS })}</p>
        <section class="card" aria-labelledby="stats-me-figures">
          <h2 id="stats-me-figures">${t("statsMe.figures", { days: DAYS })}</h2>
          ${figures(workFigures(r?.totals ?? null), t("statsMe.figures", { days: DAYS }))}
        </section>
        ${chartCard(
          "stats-me-chart",
          t("statsMe.chart"),
          chart,
          s.step === "hour"
            ? hourly.data && hourlySpec(hourly.data, stepLabel("hour", DAYS, HOURLY_DAYS))
            : r && dailySpec(r, stepLabel("day", DAYS, HOURLY_DAYS)),
          stepChooser("stats-me-step", s.step, DAYS, HOURLY_DAYS, (v) => {
            s.step = v;
            if (v === "hour") void hourly.load();
            else ctx.update();
          }),
        )}
        ${s.step === "hour" && hourly.error ? errorAlert(hourly.error, () => void hourly.load()) : nothing}
        ${statsTable({
          id: "stats-me-days",
          heading: t("statsMe.byDay"),
          caption: t("statsMe.byDay"),
          csvName: "my-stats",
          columns,
          rows: sort.rows(r ? r.rows.filter((x) => x.labels || x.skips) : null),
          rowKey: (x) => x.period,
          loading: report.loading,
          error: report.error,
          emptyText: t("statsMe.empty"),
          retry: () => void report.load(),
          sort: sort.state,
          onSort: sort.onSort,
        })}
      `;
    },
    destroy: () => chart.dispose(),
  };
};

export default myStatsPage;
