/**
 * One job's progress for the client: items done, labels, leases held, the current rate and
 * the estimated finish; labels per day over the last 30 days; its vendors (people
 * working, leases held, labels and what they cost since the job began; CSV); and its labels
 * taken out as files (stats/exports.ts: ask for an export, follow it, download; earlier exports).
 */
import { html, nothing } from "lit-html";
import { api } from "../api/endpoints";
import type { JobDetail, JobProgress, WorkReport, WorkRow } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { errorAlert, spinner } from "../ui/components";
import type { PageFactory } from "../ui/page";
import { resource } from "../ui/resource";
import type { Column } from "../ui/table";
import { StatsChart } from "../stats/chart";
import { nameColumn, workColumns } from "../stats/columns";
import { figures } from "../stats/figures";
import { count } from "../stats/format";
import { etaView, progressBar, rateText } from "../stats/progress";
import { addDays, parkToday } from "../stats/periods";
import { sumByKey, sumRows } from "../stats/rows";
import { chartCard, statsTable, stepChooser, stepLabel, TableSort, type ChartStep } from "../stats/section";
import { dailySpec, hourlySpec } from "../stats/specs";
import { ExportPanel } from "../stats/exports";

const DAYS = 30;
const HOURLY_DAYS = 2;
/** The server's longest range per request (app/stats/service.py MAX_DAYS). */
const MAX_DAYS = 800;

interface Loaded {
  job: JobDetail;
  progress: JobProgress;
  vendors: WorkReport;
  /** Vendor names from the park's register, for vendors admitted but without work yet. */
  names: Map<string, string>;
}

/** A vendor's row: its work since the job began, with who is on it now (progress). */
type VendorRow = WorkRow & { annotators: number | null; held: number | null };

function vendorRows(d: Loaded): VendorRow[] {
  const live = new Map(d.progress.vendors.map((v) => [v.vendor_id, v]));
  const worked = sumByKey(d.vendors.rows).map((r) => {
    const v = r.key ? live.get(r.key) : undefined;
    return { ...r, annotators: v?.annotators ?? null, held: v?.held ?? null };
  });
  const seen = new Set(worked.map((r) => r.key));
  const idle = d.progress.vendors
    .filter((v) => !seen.has(v.vendor_id))
    .map((v) => ({ ...sumRows([]), key: v.vendor_id, name: d.names.get(v.vendor_id) ?? null, annotators: v.annotators, held: v.held }));
  return [...worked, ...idle];
}

const vendorColumns: Column<VendorRow>[] = [
  nameColumn("stats.vendor") as Column<VendorRow>,
  { header: () => t("progress.annotators"), cell: (r) => count(r.annotators), csv: (r) => r.annotators, sort: (r) => r.annotators, numeric: true },
  { header: () => t("progress.leasesHeld"), cell: (r) => count(r.held), csv: (r) => r.held, sort: (r) => r.held, numeric: true },
  ...(workColumns(["labels", "accepted", "rejected", "pending", "skips", "active_hours", "earned"]) as Column<VendorRow>[]),
];

const jobStatsPage: PageFactory = (ctx) => {
  const jobId = ctx.params.id ?? "";
  const end = parkToday();
  const data = resource<Loaded>(async (signal) => {
    const [job, progress] = await Promise.all([api.getJob(jobId, { signal }), api.jobProgress(jobId, { signal })]);
    const since = job.created_at.slice(0, 10);
    const start = since < addDays(end, -MAX_DAYS) ? addDays(end, -MAX_DAYS) : since < end ? since : end;
    const [vendors, register] = await Promise.all([
      api.workReport({ job_id: jobId, start, end, granularity: "month", group_by: "vendor" }, { signal }),
      api.enterpriseDirectory("vendor", { signal }),
    ]);
    return { job, progress, vendors, names: new Map(register.map((e) => [e.id, e.name])) };
  }, ctx.signal, ctx.update);
  // The chart: 30 days by day, or the last two days by hour (what the current rate is made of).
  const s: { step: ChartStep } = { step: "day" };
  const chartData = resource(
    (signal) =>
      api.workReport(
        { job_id: jobId, start: addDays(end, s.step === "hour" ? -(HOURLY_DAYS - 1) : -(DAYS - 1)), end, granularity: s.step, group_by: "park" },
        { signal },
      ),
    ctx.signal,
    ctx.update,
  );
  const chart = new StatsChart();
  const sort = new TableSort(vendorColumns, { index: 3, dir: "desc" }, ctx.update);
  const exportPanel = new ExportPanel(jobId, ctx.signal, ctx.update);
  void data.load();
  void chartData.load();
  void exportPanel.load();

  return {
    view() {
      const d = data.data;
      if (data.error && !d) return errorAlert(data.error, () => void data.load());
      if (!d) return spinner();
      const p = d.progress;
      return html`
        <p><a href="/stats/jobs">${t("statsJob.back")}</a></p>
        <div class="qa-job-head">
          <div>
            <h2 class="qa-job-name">${d.job.name}</h2>
            <p class="muted">${vocabLabel("jobStatus", p.status)} · ${vocabLabel("domain", d.job.domain)} · ${vocabLabel("dataKind", d.job.data_kind)}</p>
          </div>
        </div>
        <section class="card" aria-labelledby="stats-job-progress">
          <h2 id="stats-job-progress">${t("statsJob.progress")}</h2>
          ${progressBar("stats-job-items", t("progress.items"), p)}
          ${figures(
            [
              { name: "items_in_progress", label: t("progress.inProgress"), value: count(p.items_in_progress) },
              { name: "items_remaining", label: t("progress.remaining"), value: count(p.items_remaining) },
              { name: "labels", label: t("progress.labels"), value: t("progress.labelsOf", { n: count(p.labels_submitted), m: count(p.labels_needed) }) },
              { name: "leases_held", label: t("progress.leasesHeld"), value: count(p.leases_held) },
              { name: "labels_last_hour", label: t("progress.lastHour"), value: count(p.labels_last_hour) },
              { name: "labels_last_24h", label: t("progress.last24h"), value: count(p.labels_last_24h) },
              { name: "rate", label: t("progress.rate"), value: rateText(p) },
              { name: "eta", label: t("progress.eta"), value: etaView(p) },
            ],
            t("statsJob.progress"),
          )}
          ${p.datasets_processing ? html`<p class="hint">${t("statsJob.processing", { n: p.datasets_processing })}</p>` : nothing}
        </section>
        ${chartCard(
          "stats-job-chart",
          t("statsJob.chart"),
          chart,
          chartData.data && chartData.data.granularity === s.step
            ? (s.step === "hour" ? hourlySpec : dailySpec)(chartData.data, stepLabel(s.step, DAYS, HOURLY_DAYS))
            : null,
          stepChooser("stats-job-step", s.step, DAYS, HOURLY_DAYS, (v) => {
            s.step = v;
            void chartData.load();
          }),
        )}
        ${chartData.error ? errorAlert(chartData.error, () => void chartData.load()) : nothing}
        ${statsTable({
          id: "stats-job-vendors",
          heading: t("statsJob.vendors"),
          caption: t("statsJob.vendors"),
          intro: t("statsJob.vendorsHint"),
          csvName: "job-vendors",
          columns: vendorColumns,
          rows: sort.rows(vendorRows(d)),
          rowKey: (r) => r.key ?? "",
          loading: data.loading,
          error: null,
          emptyText: t("statsJob.noVendors"),
          sort: sort.state,
          onSort: sort.onSort,
        })}
        ${exportPanel.view(d.job)}
      `;
    },
    destroy() {
      chart.dispose();
      exportPanel.stop();
    },
  };
};

export default jobStatsPage;
