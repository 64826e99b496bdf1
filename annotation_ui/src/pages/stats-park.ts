/**
 * The park dashboard (park admins): the park's figures against its targets, the 12-month
 * trend, the year's work per vendor, the award milestones and their rules, and the way to
 * any vendor's or client's monthly statement. Every table exports to CSV.
 */
import { html } from "lit-html";
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { DirectoryEntry, MilestoneReport, WorkRow } from "../api/types";
import { t } from "../i18n";
import { formatDate } from "../i18n/format";
import { errorAlert, spinner } from "../ui/components";
import type { PageFactory } from "../ui/page";
import { resource } from "../ui/resource";
import { AwardRulesEditor } from "../stats/awards";
import { StatsChart } from "../stats/chart";
import { nameColumn, workColumns } from "../stats/columns";
import { money } from "../stats/format";
import { statementPicker, type PickerState } from "../stats/links";
import { milestoneColumns, targetMeters, trendColumns, trendSpec } from "../stats/park";
import { monthOf, parkToday, previousMonth } from "../stats/periods";
import { sumByKey } from "../stats/rows";
import { chartCard, chooser, statsTable, TableSort } from "../stats/section";

const vendorColumns = [
  nameColumn("stats.vendor"),
  ...workColumns(["labels", "accepted", "rejected", "active_hours", "labels_per_active_hour", "gold_accuracy", "agreement", "earned"]),
];
// The CSV has the figures the screen leaves out for width.
const vendorCsvColumns = [
  nameColumn("stats.vendor"),
  ...workColumns(["labels", "accepted", "rejected", "pending", "skips", "gold_labels", "active_hours", "labels_per_active_hour", "gold_accuracy", "agreement", "earned"]),
];

const parkPage: PageFactory = (ctx) => {
  const today = parkToday();
  const thisYear = Number(today.slice(0, 4));
  const s = { year: thisYear, enterprises: null as DirectoryEntry[] | null };
  const picker: PickerState = { enterpriseId: null, month: previousMonth(monthOf(today)) };

  const dashboard = resource((signal) => api.parkDashboard({ signal }), ctx.signal, ctx.update);
  // The year so far, per vendor: monthly rows added up here.
  const vendors = resource(
    (signal) => api.workReport({ start: `${s.year}-01-01`, end: s.year === thisYear ? today : `${s.year}-12-31`, granularity: "month", group_by: "vendor" }, { signal }),
    ctx.signal,
    ctx.update,
  );
  const milestones = resource<MilestoneReport>((signal) => api.milestones(s.year, { signal }), ctx.signal, ctx.update);
  const awards = new AwardRulesEditor(ctx.signal, ctx.update, ctx.notify, () => void milestones.load());
  const chart = new StatsChart();
  const trendSort = new TableSort(trendColumns, { index: 0, dir: "desc" }, ctx.update);
  const vendorSort = new TableSort(vendorColumns, { index: vendorColumns.length - 1, dir: "desc" }, ctx.update);
  const milestoneSort = new TableSort(milestoneColumns, { index: 5, dir: "asc" }, ctx.update);

  void dashboard.load();
  void vendors.load();
  void milestones.load();
  void awards.load();
  Promise.all([api.enterpriseDirectory("vendor", { signal: ctx.signal }), api.enterpriseDirectory("client", { signal: ctx.signal })]).then(
    ([v, c]) => {
      s.enterprises = [...v, ...c];
      ctx.update();
    },
    (err: unknown) => {
      if (!isAbort(err)) s.enterprises = [];
    },
  );

  const years = [thisYear, thisYear - 1, thisYear - 2];
  const yearChooser = () =>
    chooser(
      "park-year",
      t("park.year"),
      String(s.year),
      years.map((y) => ({ value: String(y), label: String(y) })),
      (v) => {
        s.year = Number(v);
        void vendors.load();
        void milestones.load();
      },
    );

  return {
    view() {
      const d = dashboard.data;
      const m = milestones.data;
      return html`
        <p class="muted">${t("park.intro")}${d ? t("park.asOf", { day: formatDate(d.as_of) }) : ""}</p>
        <section class="card" aria-labelledby="park-targets">
          <h2 id="park-targets">${t("park.targets")}</h2>
          ${dashboard.error && !d ? errorAlert(dashboard.error, () => void dashboard.load()) : d ? targetMeters(d) : spinner()}
        </section>
        ${chartCard("park-trend-chart", t("park.trend"), chart, d ? trendSpec(d, t("park.trend")) : null)}
        ${statsTable({
          id: "park-trend-table",
          heading: t("park.trendTable"),
          caption: t("park.trendTable"),
          csvName: "park-trend",
          columns: trendColumns,
          rows: trendSort.rows(d?.trend ?? null),
          rowKey: (x) => x.month,
          loading: dashboard.loading,
          error: dashboard.error,
          emptyText: t("park.noTrend"),
          sort: trendSort.state,
          onSort: trendSort.onSort,
        })}
        <div class="stats-toolbar">${yearChooser()}</div>
        ${statsTable<WorkRow>({
          id: "park-vendors",
          heading: t("park.vendors", { year: String(s.year) }),
          caption: t("park.vendors", { year: String(s.year) }),
          csvName: `park-vendors-${s.year}`,
          columns: vendorColumns,
          csvColumns: vendorCsvColumns,
          rows: vendorSort.rows(vendors.data ? sumByKey(vendors.data.rows) : null),
          rowKey: (r) => r.key ?? "",
          loading: vendors.loading,
          error: vendors.error,
          emptyText: t("park.noVendors"),
          retry: () => void vendors.load(),
          sort: vendorSort.state,
          onSort: vendorSort.onSort,
        })}
        ${statsTable({
          id: "park-milestones",
          heading: t("park.milestones", { year: String(s.year) }),
          caption: t("park.milestones", { year: String(s.year) }),
          intro: m ? t("park.totalAwards", { total: money(m.total_awards) }) : t("park.milestonesHint"),
          csvName: `milestones-${s.year}`,
          columns: milestoneColumns,
          rows: milestoneSort.rows(m?.milestones ?? null),
          rowKey: (x) => `${x.enterprise_id}-${x.threshold_cny}`,
          loading: milestones.loading,
          error: milestones.error,
          emptyText: t("park.noMilestones"),
          retry: () => void milestones.load(),
          sort: milestoneSort.state,
          onSort: milestoneSort.onSort,
        })}
        ${awards.view()}
        <section class="card" aria-labelledby="park-statements">
          <h2 id="park-statements">${t("statement.heading")}</h2>
          <p class="hint">${t("park.statementsHint")}</p>
          ${statementPicker("park-statement", picker, s.enterprises ?? [], (path) => ctx.navigate(path), ctx.update)}
        </section>
      `;
    },
    destroy: () => chart.dispose(),
  };
};

export default parkPage;
