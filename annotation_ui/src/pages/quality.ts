/** Quality: the jobs the viewer may audit, each leading to its dashboard and review queue. */
import { html } from "lit-html";
import { api } from "../api/endpoints";
import type { Job, JobStatus } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { formatNumber } from "../i18n/format";
import { badge, timeView, type Tone } from "../ui/components";
import { pagedList } from "../ui/paged";
import type { PageFactory } from "../ui/page";
import { dataTable, pager, type Column } from "../ui/table";

const STATUS_TONE: Record<JobStatus, Tone> = {
  draft: "neutral",
  running: "info",
  paused: "warning",
  completed: "success",
  cancelled: "danger",
};

const jobPath = (j: Job) => `/quality/jobs/${encodeURIComponent(String(j.id))}`;

const columns: readonly Column<Job>[] = [
  { header: () => t("job.name"), cell: (j) => html`<a href=${jobPath(j)}>${j.name}</a>`, rowHeader: true },
  { header: () => t("job.dataKind"), cell: (j) => vocabLabel("dataKind", j.data_kind), nowrap: true },
  {
    header: () => t("job.status"),
    cell: (j) => badge(vocabLabel("jobStatus", j.status), STATUS_TONE[j.status] ?? "neutral"),
    nowrap: true,
  },
  { header: () => t("job.overlap"), cell: (j) => formatNumber(j.overlap), numeric: true },
  { header: () => t("job.created"), cell: (j) => timeView(j.created_at), nowrap: true },
  {
    header: () => t("quality.actions"),
    cell: (j) =>
      html`<a href="${jobPath(j)}/review" aria-label=${t("quality.queueOf", { job: j.name })}>${t("quality.reviewQueue")}</a>`,
    nowrap: true,
  },
];

const qualityPage: PageFactory = (ctx) => {
  const jobs = pagedList((q, o) => api.listJobs(q, o), ctx.signal, ctx.update);
  void jobs.load(0);
  return {
    view: () => html`
      <p class="muted">${t("quality.intro")}</p>
      ${dataTable({
        caption: t("quality.jobsCaption"),
        columns,
        rows: jobs.rows,
        rowKey: (j) => j.id,
        loading: jobs.loading,
        error: jobs.error,
        emptyText: t("home.jobsEmpty"),
        retry: () => void jobs.load(),
      })}
      ${pager({ ...jobs, onPage: (offset) => void jobs.load(offset) })}
    `,
  };
};

export default qualityPage;
