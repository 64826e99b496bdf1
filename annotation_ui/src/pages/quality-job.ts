/**
 * One job's quality for the QA lead: items by consensus state, the agreement figures of the
 * last refit (with a button to recompute them), agreement per class, annotators sortable by
 * quality with their confusion matrix on demand and pause / resume, and the way into the
 * review queue. Templates live in src/quality/ (dashboard.ts, annotators.ts, heatmap.ts).
 */
import { html, nothing } from "lit-html";
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { AnnotatorSort, AnnotatorStanding, JobDetail, QualityReport } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { formatNumber } from "../i18n/format";
import { annotatorColumns, annotatorToolbar, confusionSection, pauseForm, type PauseFormState } from "../quality/annotators";
import { agreementSection, cohenSection, itemsSection, perClassSection } from "../quality/dashboard";
import { errorAlert, errorMessage, spinner } from "../ui/components";
import { pagedList } from "../ui/paged";
import type { PageFactory } from "../ui/page";
import { dataTable, pager } from "../ui/table";

const CAN_PAUSE = new Set(["qa_lead", "enterprise_admin", "park_admin"]);
/** The refit runs as a background job; look again after this long. */
const REFIT_RECHECK_MS = 3000;

const qualityJobPage: PageFactory = (ctx) => {
  const jobId = ctx.params.id ?? "";
  const s = {
    job: null as JobDetail | null,
    report: null as QualityReport | null,
    error: null as unknown,
    refitting: false,
    sort: "est_accuracy" as AnnotatorSort,
    flagged: false,
    confusionFor: null as string | null,
    pause: null as PauseFormState | null,
  };
  const annotators = pagedList(
    (q, o) => api.listJobAnnotators(jobId, { ...q, sort: s.sort, flagged: s.flagged }, o),
    ctx.signal,
    ctx.update,
  );
  const names = new Map<string, string>();

  async function load(): Promise<void> {
    s.error = null;
    ctx.update();
    try {
      const [job, report] = await Promise.all([api.getJob(jobId, { signal: ctx.signal }), api.qualityReport(jobId, { signal: ctx.signal })]);
      s.job = job;
      s.report = report;
      for (const [id, name] of Object.entries(report.annotator_names)) if (name) names.set(id, name);
    } catch (err) {
      if (isAbort(err)) return;
      s.error = err;
    }
    ctx.update();
  }

  async function refit(): Promise<void> {
    if (s.refitting) return;
    s.refitting = true;
    ctx.update();
    try {
      await api.refitQuality(jobId);
      ctx.notify(t("quality.refitQueued"), "success");
      await new Promise((r) => setTimeout(r, REFIT_RECHECK_MS));
      if (!ctx.signal.aborted) await load();
    } catch (err) {
      if (!isAbort(err)) ctx.notify(errorMessage(err), "error");
    } finally {
      s.refitting = false;
      ctx.update();
    }
  }

  async function setPaused(a: AnnotatorStanding, paused: boolean, reason?: string): Promise<boolean> {
    try {
      await api.pauseAnnotator(jobId, a.annotator_id, paused ? { paused, reason: reason ?? "" } : { paused });
      const name = a.display_name || a.annotator_id;
      ctx.notify(t(paused ? "quality.pausedDone" : "quality.resumedDone", { name }), "success");
      await annotators.load();
      return true;
    } catch (err) {
      if (s.pause) s.pause.error = err;
      else ctx.notify(errorMessage(err), "error");
      ctx.update();
      return false;
    }
  }

  async function submitPause(): Promise<void> {
    const p = s.pause;
    if (!p || p.busy) return;
    p.missing = !p.reason.trim();
    if (p.missing) {
      ctx.update();
      document.getElementById("qa-pause-reason")?.focus();
      return;
    }
    p.busy = true;
    ctx.update();
    const ok = await setPaused(p.who, true, p.reason.trim());
    p.busy = false;
    if (ok) s.pause = null;
    ctx.update();
  }

  const columns = annotatorColumns({
    get confusionFor() {
      return s.confusionFor;
    },
    hasConfusion: (a) => !!s.report?.metrics?.confusion?.[a.annotator_id],
    toggleConfusion: (a) => {
      s.confusionFor = s.confusionFor === a.annotator_id ? null : a.annotator_id;
      ctx.update();
      if (s.confusionFor) requestAnimationFrame(() => document.getElementById("qa-confusion")?.scrollIntoView({ block: "nearest" }));
    },
    pause: CAN_PAUSE.has(ctx.me.role)
      ? (a) => {
          s.pause = { who: a, reason: "", busy: false, error: null, missing: false };
          ctx.update();
          requestAnimationFrame(() => document.getElementById("qa-pause-reason")?.focus());
        }
      : null,
    resume: (a) => void setPaused(a, false),
  });

  void load();
  void annotators.load(0);

  function annotatorSection() {
    for (const a of annotators.rows ?? []) names.set(a.annotator_id, a.display_name || a.annotator_id);
    const schema = s.job?.label_schema;
    const matrix = s.confusionFor ? s.report?.metrics?.confusion?.[s.confusionFor] : undefined;
    return html`<section class="section" aria-labelledby="qa-annotators-heading">
      <h2 id="qa-annotators-heading">${t("quality.annotatorsHeading")}</h2>
      <p class="hint">${t("quality.annotatorsHint")}</p>
      ${annotatorToolbar(
        s.sort,
        s.flagged,
        (sort) => {
          s.sort = sort;
          void annotators.load(0);
        },
        (flagged) => {
          s.flagged = flagged;
          void annotators.load(0);
        },
      )}
      ${dataTable({
        caption: t("quality.annotatorsHeading"),
        columns,
        rows: annotators.rows,
        rowKey: (a) => a.annotator_id,
        loading: annotators.loading,
        error: annotators.error,
        emptyText: t(s.flagged ? "quality.noFlagged" : "quality.noAnnotators"),
        retry: () => void annotators.load(),
      })}
      ${pager({ ...annotators, onPage: (offset) => void annotators.load(offset) })}
      ${s.pause
        ? pauseForm(
            s.pause,
            (r) => {
              if (s.pause) s.pause.reason = r;
            },
            () => void submitPause(),
            () => {
              s.pause = null;
              ctx.update();
            },
          )
        : nothing}
      ${schema && matrix && s.confusionFor
        ? confusionSection(schema, names.get(s.confusionFor) ?? s.confusionFor, matrix, () => {
            s.confusionFor = null;
            ctx.update();
          })
        : nothing}
    </section>`;
  }

  return {
    view() {
      if (s.error) return errorAlert(s.error, () => void load());
      const { job, report } = s;
      if (!job || !report) return spinner();
      const reviewHref = `/quality/jobs/${encodeURIComponent(jobId)}/review`;
      const refitButton = html`<button type="button" class="btn btn-secondary btn-small" aria-disabled=${s.refitting ? "true" : "false"} @click=${() => void refit()}>
        ${t(s.refitting ? "quality.refitting" : "quality.refit")}
      </button>`;
      return html`
        <p><a href="/quality">${t("quality.backToJobs")}</a></p>
        <div class="qa-job-head">
          <div>
            <h2 class="qa-job-name">${job.name}</h2>
            <p class="muted">
              ${vocabLabel("labelKind", job.label_schema.kind)} · ${vocabLabel("jobStatus", job.status)} ·
              ${t("quality.overlapN", { n: formatNumber(job.overlap) })}
            </p>
          </div>
          <a class="btn btn-primary" href=${reviewHref}>${t("quality.openQueue", { n: formatNumber(report.items.review) })}</a>
        </div>
        <div class="qa-overview">${itemsSection(report, reviewHref)} ${agreementSection(report, refitButton)}</div>
        ${perClassSection(report, job.label_schema)}
        ${annotatorSection()} ${cohenSection(report, (id) => names.get(id) ?? id.slice(0, 8))}
      `;
    },
  };
};

export default qualityJobPage;
