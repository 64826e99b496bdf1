/**
 * Job progress (the client's people, and the park's admins for every client): each job with
 * items done as a bar, labels, the current rate and the estimated finish (CSV); a job leads to
 * its page (pages/stats-job.ts), with its exports. Client admins reach their monthly
 * statements from here; the park sees which client each job is for.
 */
import { html, nothing } from "lit-html";
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { Job, JobProgress } from "../api/types";
import { t, vocabLabel, type MessageKey } from "../i18n";
import { badge } from "../ui/components";
import { pagedList } from "../ui/paged";
import type { PageFactory } from "../ui/page";
import { pager, type Column } from "../ui/table";
import { count, EMPTY } from "../stats/format";
import { statementLinks } from "../stats/links";
import { doneShare, etaText, etaView, progressBar, rateText } from "../stats/progress";
import { statsTable } from "../stats/section";

export const jobStatsPath = (id: Job["id"]) => `/stats/jobs/${encodeURIComponent(String(id))}`;

const jobProgressPage: PageFactory = (ctx) => {
  const progress = new Map<string, JobProgress | "error">();
  const park = ctx.me.role === "park_admin";
  let clients: Map<string, string> | null = null; // id -> name, for the park's client column
  const jobs = pagedList(
    async (q, o) => {
      if (park && !clients) {
        const register = await api.enterpriseDirectory("client", o);
        clients = new Map(register.map((e) => [e.id, e.name]));
      }
      const page = await api.listJobs(q, o);
      // One progress read per job shown (a page is at most 20 jobs).
      await Promise.all(
        page.items.map((j) =>
          api.jobProgress(j.id, o).then(
            (p) => progress.set(String(j.id), p),
            (err: unknown) => {
              if (isAbort(err)) throw err;
              progress.set(String(j.id), "error");
            },
          ),
        ),
      );
      return page;
    },
    ctx.signal,
    ctx.update,
  );
  void jobs.load(0);
  const of = (j: Job) => {
    const p = progress.get(String(j.id));
    return p && p !== "error" ? p : null;
  };
  const withProgress = <R>(j: Job, f: (p: JobProgress) => R): R | string => {
    const p = of(j);
    return p ? f(p) : EMPTY;
  };

  const name: Column<Job> = {
    header: () => t("job.name"),
    cell: (j) => html`<a href=${jobStatsPath(j.id)}>${j.name}</a>`,
    csv: (j) => j.name,
    rowHeader: true,
  };
  const status: Column<Job> = { header: () => t("job.status"), cell: (j) => badge(vocabLabel("jobStatus", j.status)), csv: (j) => j.status, nowrap: true };
  const rateCol: Column<Job> = {
    header: () => t("progress.rate"),
    cell: (j) => withProgress(j, rateText),
    csv: (j) => of(j)?.rate_per_hour,
    numeric: true,
  };
  const eta: Column<Job> = {
    header: () => t("progress.eta"),
    cell: (j) => withProgress(j, etaView),
    csv: (j) => {
      const p = of(j);
      return p ? (p.eta ?? etaText(p)) : null;
    },
    nowrap: true,
  };
  const client: Column<Job> = {
    header: () => t("statsJobs.client"),
    cell: (j) => clients?.get(String(j.client_id)) ?? EMPTY,
    csv: (j) => clients?.get(String(j.client_id)) ?? null,
  };
  const lead = park ? [name, client, status] : [name, status];
  const columns: Column<Job>[] = [
    ...lead,
    {
      header: () => t("progress.items"),
      cell: (j) => withProgress(j, (p) => progressBar(`job-${j.id}-progress`, t("progress.of", { job: j.name }), p)),
      width: "16rem",
    },
    {
      header: () => t("progress.labels"),
      cell: (j) => withProgress(j, (p) => t("progress.labelsOf", { n: count(p.labels_submitted), m: count(p.labels_needed) })),
      numeric: true,
    },
    rateCol,
    eta,
  ];
  // The CSV writes out what the bar and the "n / m" cells show.
  const raw = (key: MessageKey, value: (p: JobProgress) => number | null): Column<Job> => ({
    header: () => t(key),
    cell: () => "",
    csv: (j) => {
      const p = of(j);
      return p ? value(p) : null;
    },
  });
  const csvColumns: Column<Job>[] = [
    ...lead,
    raw("progress.itemsDoneCol", (p) => p.items_done),
    raw("progress.itemsTotal", (p) => p.items_total),
    raw("progress.share", doneShare),
    raw("progress.labelsSubmitted", (p) => p.labels_submitted),
    raw("progress.labelsNeeded", (p) => p.labels_needed),
    rateCol,
    eta,
  ];

  return {
    view: () => html`
      <div class="stats-intro">
        <p class="muted">${t(park ? "statsJobs.introPark" : "statsJobs.intro")}</p>
        ${ctx.me.role === "enterprise_admin" ? statementLinks() : nothing}
      </div>
      ${statsTable({
        id: "stats-jobs-heading",
        heading: t("statsJobs.table"),
        caption: t("statsJobs.table"),
        csvName: "job-progress",
        columns,
        csvColumns,
        rows: jobs.rows,
        rowKey: (j) => j.id,
        loading: jobs.loading,
        error: jobs.error,
        emptyText: t("home.jobsEmpty"),
        retry: () => void jobs.load(),
        after: pager({ ...jobs, onPage: (offset) => void jobs.load(offset) }),
      })}
    `,
  };
};

export default jobProgressPage;
