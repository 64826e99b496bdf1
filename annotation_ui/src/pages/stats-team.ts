/**
 * Team (a vendor's admin and QA lead): their annotators' work over 7, 30 or 90 days as a
 * sortable table (CSV), and the team's trend per day or week. Admins also reach the monthly
 * statements from here.
 */
import { html, nothing } from "lit-html";
import { api } from "../api/endpoints";
import { t } from "../i18n";
import { errorAlert } from "../ui/components";
import type { PageFactory } from "../ui/page";
import { resource } from "../ui/resource";
import { StatsChart } from "../stats/chart";
import { nameColumn, workColumns } from "../stats/columns";
import { figures } from "../stats/figures";
import { count, EMPTY, hours, money, share } from "../stats/format";
import { statementLinks } from "../stats/links";
import { addDays, parkToday } from "../stats/periods";
import { sumByKey } from "../stats/rows";
import { chartCard, chooser, statsTable, TableSort } from "../stats/section";
import { trendSpec } from "../stats/specs";

export const SPANS = [7, 30, 90] as const;
type Span = (typeof SPANS)[number];
type Step = "day" | "week";

type By = "annotator" | "team";
const FIGURES = ["labels", "accepted", "rejected", "skips", "active_hours", "labels_per_active_hour", "gold_accuracy", "agreement", "earned"] as const;
// The CSV has the figures the screen leaves out for width (pending labels, gold items).
const CSV_FIGURES = ["labels", "accepted", "rejected", "pending", "skips", "gold_labels", "active_hours", "labels_per_active_hour", "gold_accuracy", "agreement", "earned"] as const;
const first = (by: By) => (by === "team" ? nameColumn("stats.team", "home.noTeam") : nameColumn("stats.annotator"));
const COLUMNS = { annotator: [first("annotator"), ...workColumns(FIGURES)], team: [first("team"), ...workColumns(FIGURES)] };
const CSV_COLUMNS = { annotator: [first("annotator"), ...workColumns(CSV_FIGURES)], team: [first("team"), ...workColumns(CSV_FIGURES)] };

const teamPage: PageFactory = (ctx) => {
  const s = { days: 30 as Span, step: "day" as Step, by: "annotator" as By };
  const range = () => {
    const end = parkToday();
    return { start: addDays(end, -(s.days - 1)), end };
  };
  // Months are the fewest rows that still cover the span; the table adds them up per person
  // (or team: loaded when asked for).
  const groups = {
    annotator: resource((signal) => api.workReport({ ...range(), granularity: "month", group_by: "annotator" }, { signal }), ctx.signal, ctx.update),
    team: resource((signal) => api.workReport({ ...range(), granularity: "month", group_by: "team" }, { signal }), ctx.signal, ctx.update),
  };
  const team = groups.annotator;
  const trend = resource((signal) => api.workReport({ ...range(), granularity: s.step, group_by: "park" }, { signal }), ctx.signal, ctx.update);
  const chart = new StatsChart();
  const sorts = {
    annotator: new TableSort(COLUMNS.annotator, { index: 1, dir: "desc" }, ctx.update),
    team: new TableSort(COLUMNS.team, { index: 1, dir: "desc" }, ctx.update),
  };
  void team.load();
  void trend.load();

  const onDays = (v: string) => {
    s.days = Number(v) as Span;
    void team.load();
    if (s.by === "team") void groups.team.load();
    void trend.load();
  };
  const onBy = (v: By) => {
    s.by = v;
    if (v === "team") void groups.team.load();
    ctx.update();
  };

  return {
    view() {
      const totals = trend.data?.totals ?? null;
      const people = team.data ? sumByKey(team.data.rows) : null;
      const admin = ctx.me.role === "enterprise_admin";
      return html`
        <div class="stats-intro">
          <p class="muted">${t("statsTeam.intro")}</p>
          ${admin ? statementLinks() : nothing}
        </div>
        <div class="stats-toolbar">
          ${chooser(
            "stats-team-days",
            t("stats.period"),
            String(s.days),
            SPANS.map((d) => ({ value: String(d), label: t("stats.lastDays", { days: d }) })),
            onDays,
          )}
        </div>
        <section class="card" aria-labelledby="stats-team-figures">
          <h2 id="stats-team-figures">${t("statsTeam.figures", { days: s.days })}</h2>
          ${trend.error && !trend.data
            ? errorAlert(trend.error, () => void trend.load())
            : figures(
                [
                  { name: "annotators", label: t("statsTeam.annotators"), value: count(people?.filter((p) => p.labels > 0).length) },
                  { name: "labels", label: t("stats.labels"), value: count(totals?.labels) },
                  { name: "accepted", label: t("stats.accepted"), value: count(totals?.accepted) },
                  { name: "active_hours", label: t("stats.activeHours"), value: hours(totals?.active_hours) },
                  { name: "gold_accuracy", label: t("stats.goldAccuracy"), value: share(totals?.gold_accuracy) },
                  { name: "earned", label: t("stats.earned"), value: totals ? money(totals.earned) : EMPTY },
                ],
                t("statsTeam.figures", { days: s.days }),
              )}
        </section>
        ${statsTable({
          id: "stats-team-people",
          heading: t(s.by === "team" ? "statsTeam.tableTeams" : "statsTeam.table"),
          caption: t(s.by === "team" ? "statsTeam.tableTeams" : "statsTeam.table"),
          intro: t("statsTeam.tableHint"),
          tools: chooser(
            "stats-team-by",
            t("statsTeam.by"),
            s.by,
            [
              { value: "annotator", label: t("statsTeam.byAnnotator") },
              { value: "team", label: t("statsTeam.byTeam") },
            ],
            onBy,
          ),
          csvName: `team-${s.by}-${s.days}d`,
          columns: COLUMNS[s.by],
          csvColumns: CSV_COLUMNS[s.by],
          rows: sorts[s.by].rows(s.by === "team" ? (groups.team.data ? sumByKey(groups.team.data.rows) : null) : people),
          rowKey: (r) => r.key ?? "",
          loading: groups[s.by].loading,
          error: groups[s.by].error,
          emptyText: t("statsTeam.empty"),
          retry: () => void groups[s.by].load(),
          sort: sorts[s.by].state,
          onSort: sorts[s.by].onSort,
        })}
        ${chartCard(
          "stats-team-trend",
          t("statsTeam.trend"),
          chart,
          trend.data ? trendSpec(trend.data, s.step, t("statsTeam.trend")) : null,
          chooser(
            "stats-team-step",
            t("stats.step"),
            s.step,
            [
              { value: "day", label: t("stats.byDay") },
              { value: "week", label: t("stats.byWeek") },
            ],
            (v) => {
              s.step = v;
              void trend.load();
            },
          ),
        )}
      `;
    },
    destroy: () => chart.dispose(),
  };
};

export default teamPage;
