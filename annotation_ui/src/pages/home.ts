/** Home, for every role: who you are, and the labeling jobs you can see. */
import { html } from "lit-html";
import { api } from "../api/endpoints";
import type { Job, JobStatus } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { formatMoney, formatNumber } from "../i18n/format";
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

const jobColumns: readonly Column<Job>[] = [
  { header: () => t("job.name"), cell: (j) => j.name, rowHeader: true },
  { header: () => t("job.domain"), cell: (j) => vocabLabel("domain", j.domain) },
  { header: () => t("job.dataKind"), cell: (j) => vocabLabel("dataKind", j.data_kind), nowrap: true },
  {
    header: () => t("job.status"),
    cell: (j) => badge(vocabLabel("jobStatus", j.status), STATUS_TONE[j.status] ?? "neutral"),
    nowrap: true,
  },
  { header: () => t("job.overlap"), cell: (j) => formatNumber(j.overlap), numeric: true },
  {
    header: () => t("job.price"),
    cell: (j) => formatMoney(j.price_per_item, j.currency || "CNY", undefined, 4),
    numeric: true,
  },
  {
    header: () => t("job.deadline"),
    cell: (j) => (j.deadline ? timeView(j.deadline, true) : t("job.noDeadline")),
    nowrap: true,
  },
  { header: () => t("job.created"), cell: (j) => timeView(j.created_at), nowrap: true },
];

const homePage: PageFactory = (ctx) => {
  const jobs = pagedList((q, o) => api.listJobs(q, o), ctx.signal, ctx.update);
  void jobs.load(0);

  return {
    view() {
      const me = ctx.me;
      return html`
        <section class="card" aria-labelledby="profile-heading">
          <h2 id="profile-heading">${t("home.welcome", { name: me.display_name || me.email })}</h2>
          <dl class="facts">
            <div><dt>${t("home.name")}</dt><dd>${me.display_name || t("common.empty")}</dd></div>
            <div><dt>${t("home.email")}</dt><dd>${me.email}</dd></div>
            <div><dt>${t("home.role")}</dt><dd>${vocabLabel("role", me.role)}</dd></div>
            <div>
              <dt>${t("home.enterprise")}</dt>
              <dd>
                ${me.enterprise.name}
                <span class="muted">${t("common.parenthetical", { text: vocabLabel("enterpriseKind", me.enterprise.kind) })}</span>
              </dd>
            </div>
            <div><dt>${t("home.team")}</dt><dd>${me.team ? me.team.name : t("home.noTeam")}</dd></div>
          </dl>
        </section>

        <section class="section" aria-labelledby="jobs-heading">
          <h2 id="jobs-heading">${t("home.jobsHeading")}</h2>
          <p class="muted">${t("home.jobsIntro")}</p>
          ${dataTable({
            caption: t("home.jobsHeading"),
            columns: jobColumns,
            rows: jobs.rows,
            rowKey: (j) => j.id,
            loading: jobs.loading,
            error: jobs.error,
            emptyText: t("home.jobsEmpty"),
            retry: () => void jobs.load(),
          })}
          ${pager({ ...jobs, onPage: (offset) => void jobs.load(offset) })}
        </section>
      `;
    },
  };
};

export default homePage;
