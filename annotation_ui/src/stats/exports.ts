/**
 * "Export labels" on a job's progress page: the formats that fit the job's label kind
 * (`GET /exports/formats`), consensus or raw labels, a few filters; `POST /jobs/{id}/exports`
 * queues the file and the panel polls `GET /exports/{id}` every second until it is done (a
 * download link, signed, valid for an hour) or failed, and stops when the page is left. Below
 * it, the job's earlier exports (`GET /jobs/{id}/exports`, newest first, paged) with their links.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { createRef, ref } from "lit-html/directives/ref.js";
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { DataKind, ExportFormat, ExportLabels, ExportOut, ExportRequest, ExportStatus, Id, JobDetail } from "../api/types";
import { hasMessage, t, vocabLabel } from "../i18n";
import { badge, errorAlert, spinner, timeView, type Tone } from "../ui/components";
import { pagedList, type PagedList } from "../ui/paged";
import { pager, type Column } from "../ui/table";
import { figures } from "./figures";
import { count, fileSize } from "./format";
import { statsTable } from "./section";

/** How often a running export is asked about. */
export const POLL_MS = 1000;
const HISTORY_PAGE = 10;

export function isFinished(status: ExportStatus): boolean {
  return status === "done" || status === "failed";
}

/** The formats that can hold a job's labels, in the server's order. */
export function fittingFormats(formats: readonly ExportFormat[], kind: string): ExportFormat[] {
  return formats.filter((f) => f.label_kinds.includes(kind));
}

/** A format's name for people: translated, or the server's name for a format newer than the app. */
export function formatTitle(name: string): string {
  return vocabLabel("exportFormat", name);
}

/** What a format holds: translated, or the server's own description. */
export function formatHint(f: ExportFormat): string {
  const key = `exportFormatHint.${f.name}`;
  return hasMessage(key) ? t(key) : f.description;
}

/** The minimum confidence as typed: null when left empty, undefined when it is no number
 * from 0 to 1. */
export function parseConfidence(text: string): number | null | undefined {
  const s = text.trim();
  if (!s) return null;
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(s)) return undefined;
  const n = Number(s);
  return n >= 0 && n <= 1 ? n : undefined;
}

export interface ExportForm {
  format: string;
  labels: ExportLabels;
  onlyAccepted: boolean;
  minConfidence: string;
  imageUrls: boolean;
}

/** The request for the form (null while the minimum confidence is not a number from 0 to 1):
 * raw only for formats that can hold it, image links only for image jobs. */
export function exportRequest(form: ExportForm, format: ExportFormat, dataKind: DataKind): ExportRequest | null {
  const min = parseConfidence(form.minConfidence);
  if (min === undefined) return null;
  const body: ExportRequest = {
    format: format.name,
    labels: format.raw ? form.labels : "consensus",
    only_accepted: form.onlyAccepted,
  };
  if (min !== null) body.min_confidence = min;
  if (dataKind === "image") body.image_urls = form.imageUrls;
  return body;
}

const STATUS_TONE: Readonly<Record<ExportStatus, Tone>> = {
  queued: "neutral",
  running: "info",
  done: "success",
  failed: "danger",
};

function statusBadge(status: ExportStatus): TemplateResult {
  return badge(vocabLabel("exportStatus", status), STATUS_TONE[status] ?? "neutral");
}

/** The file's signed link (same-origin from the local store: `download` keeps its name). */
function downloadLink(e: ExportOut, text: string, o: { className?: string; label?: string } = {}): TemplateResult {
  return html`<a class=${o.className ?? nothing} href=${e.download_url ?? ""} download=${e.file_name ?? ""} aria-label=${o.label ?? nothing}
    >${text}</a
  >`;
}

function fileLabel(e: ExportOut): string {
  return t("exports.downloadFile", { file: e.file_name ?? formatTitle(e.format) });
}

const historyColumns: Column<ExportOut>[] = [
  { header: () => t("exports.colFormat"), cell: (r) => formatTitle(r.format), csv: (r) => r.format },
  { header: () => t("exports.colLabels"), cell: (r) => vocabLabel("exportLabels", r.labels), csv: (r) => r.labels, nowrap: true },
  { header: () => t("exports.colStatus"), cell: (r) => statusBadge(r.status), csv: (r) => r.status, nowrap: true },
  { header: () => t("exports.colItems"), cell: (r) => count(r.items_written), csv: (r) => r.items_written, numeric: true },
  { header: () => t("exports.colSize"), cell: (r) => fileSize(r.size_bytes), csv: (r) => r.size_bytes, numeric: true, nowrap: true },
  { header: () => t("exports.colCreated"), cell: (r) => timeView(r.created_at, true), csv: (r) => r.created_at, nowrap: true },
  {
    header: () => t("exports.colDownload"),
    cell: (r) => (r.status === "done" && r.download_url ? downloadLink(r, t("exports.download"), { label: fileLabel(r) }) : t("common.empty")),
    // The link expires within the hour: the file's name is what a spreadsheet keeps.
    csv: (r) => r.file_name,
    nowrap: true,
  },
];

export class ExportPanel {
  private formats: ExportFormat[] | null = null;
  private formatsError: unknown = null;
  private readonly form: ExportForm = { format: "", labels: "consensus", onlyAccepted: false, minConfidence: "", imageUrls: true };
  private confidenceInvalid = false;
  private submitting = false;
  private submitError: unknown = null;
  /** The export being followed: the one just asked for, or an unfinished one found on arrival. */
  private current: ExportOut | null = null;
  private pollError: unknown = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly confidenceInput = createRef<HTMLInputElement>();
  readonly history: PagedList<ExportOut>;

  constructor(
    private readonly jobId: Id,
    private readonly signal: AbortSignal,
    private readonly update: () => void,
  ) {
    this.history = pagedList((q, o) => api.listExports(jobId, q, o), signal, update, HISTORY_PAGE);
    signal.addEventListener("abort", () => this.stop(), { once: true });
  }

  async load(): Promise<void> {
    void this.loadFormats();
    await this.history.load(0);
    // Back on the page while an export still runs: follow it again.
    const latest = this.history.rows?.[0];
    if (!this.current && latest && !isFinished(latest.status)) {
      this.current = latest;
      this.schedule();
      this.refresh();
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private refresh(): void {
    if (!this.signal.aborted) this.update();
  }

  private async loadFormats(): Promise<void> {
    this.formatsError = null;
    try {
      this.formats = await api.exportFormats({ signal: this.signal });
    } catch (err) {
      if (isAbort(err)) return;
      this.formatsError = err;
    }
    this.refresh();
  }

  private schedule(): void {
    this.stop();
    if (this.signal.aborted) return;
    this.timer = setTimeout(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    const followed = this.current;
    if (!followed || this.signal.aborted) return;
    try {
      const now = await api.getExport(followed.id, { signal: this.signal });
      if (this.current?.id !== followed.id) return; // a newer export took its place
      this.current = now;
      this.pollError = null;
      if (!isFinished(now.status)) this.schedule();
    } catch (err) {
      if (isAbort(err)) return;
      this.pollError = err; // shown with a retry button; polling waits for it
    }
    this.refresh();
  }

  private chosen(fitting: readonly ExportFormat[]): ExportFormat | undefined {
    return fitting.find((f) => f.name === this.form.format) ?? fitting[0];
  }

  private async submit(event: Event, job: JobDetail, format: ExportFormat): Promise<void> {
    event.preventDefault();
    if (this.submitting) return;
    const body = exportRequest(this.form, format, job.data_kind);
    this.confidenceInvalid = body === null;
    this.submitError = null;
    if (!body) {
      this.refresh();
      this.confidenceInput.value?.focus();
      return;
    }
    this.submitting = true;
    this.refresh();
    try {
      this.current = await api.createExport(this.jobId, body, { signal: this.signal });
      this.pollError = null;
      this.schedule();
      void this.history.load(0);
    } catch (err) {
      if (isAbort(err)) return;
      this.submitError = err;
    } finally {
      this.submitting = false;
      this.refresh();
    }
  }

  private setFormat(f: ExportFormat): void {
    this.form.format = f.name;
    if (!f.raw) this.form.labels = "consensus";
    this.refresh();
  }

  private formView(job: JobDetail): TemplateResult {
    if (this.formatsError) return errorAlert(this.formatsError, () => void this.loadFormats());
    if (!this.formats) return spinner();
    const kind = job.label_schema.kind;
    const fitting = fittingFormats(this.formats, kind);
    const format = this.chosen(fitting);
    if (!format) return html`<p class="hint">${t("exports.noFormats", { kind: vocabLabel("labelKind", kind) })}</p>`;
    const labels = format.raw ? this.form.labels : "consensus";
    const radio = (value: ExportLabels, label: string, disabled: boolean) => html`<div class="choice">
      <input
        type="radio"
        id=${`export-labels-${value}`}
        name="export-labels"
        value=${value}
        .checked=${labels === value}
        ?disabled=${disabled}
        aria-describedby=${disabled ? "export-raw-hint" : nothing}
        @change=${() => {
          this.form.labels = value;
          this.refresh();
        }}
      />
      <label for=${`export-labels-${value}`}>${label}</label>
    </div>`;
    return html`<form class="export-form" novalidate aria-labelledby="stats-job-export" @submit=${(e: Event) => void this.submit(e, job, format)}>
      <fieldset class="choices">
        <legend>${t("exports.format")}</legend>
        ${fitting.map(
          (f) => html`<div class="choice">
            <input
              type="radio"
              id=${`export-format-${f.name}`}
              name="export-format"
              value=${f.name}
              .checked=${f.name === format.name}
              aria-describedby=${`export-format-${f.name}-hint`}
              @change=${() => this.setFormat(f)}
            />
            <label for=${`export-format-${f.name}`}>${formatTitle(f.name)}</label>
            <p id=${`export-format-${f.name}-hint`} class="hint">${formatHint(f)}</p>
          </div>`,
        )}
      </fieldset>
      <div class="export-settings">
        <fieldset class="choices">
          <legend>${t("exports.labels")}</legend>
          ${radio("consensus", t("exports.consensus"), false)} ${radio("raw", t("exports.raw"), !format.raw)}
          ${format.raw
            ? nothing
            : html`<p id="export-raw-hint" class="hint">${t("exports.rawUnavailable", { format: formatTitle(format.name) })}</p>`}
        </fieldset>
        <div class="field">
          <label class="checkbox">
            <input
              type="checkbox"
              .checked=${this.form.onlyAccepted}
              aria-describedby="export-only-accepted-hint"
              @change=${(e: Event) => (this.form.onlyAccepted = (e.target as HTMLInputElement).checked)}
            />
            ${t("exports.onlyAccepted")}
          </label>
          <p id="export-only-accepted-hint" class="hint">${t("exports.onlyAcceptedHint")}</p>
        </div>
        ${job.data_kind === "image"
          ? html`<div class="field">
              <label class="checkbox">
                <input
                  type="checkbox"
                  .checked=${this.form.imageUrls}
                  aria-describedby="export-image-urls-hint"
                  @change=${(e: Event) => (this.form.imageUrls = (e.target as HTMLInputElement).checked)}
                />
                ${t("exports.imageUrls")}
              </label>
              <p id="export-image-urls-hint" class="hint">${t("exports.imageUrlsHint")}</p>
            </div>`
          : nothing}
        <div class="field export-confidence">
          <label for="export-min-confidence">${t("exports.minConfidence")}</label>
          <input
            id="export-min-confidence"
            type="text"
            inputmode="decimal"
            autocomplete="off"
            aria-describedby=${`export-min-confidence-hint${this.confidenceInvalid ? " export-min-confidence-error" : ""}`}
            aria-invalid=${this.confidenceInvalid ? "true" : "false"}
            .value=${this.form.minConfidence}
            @input=${(e: Event) => {
              this.form.minConfidence = (e.target as HTMLInputElement).value;
              if (this.confidenceInvalid && parseConfidence(this.form.minConfidence) !== undefined) {
                this.confidenceInvalid = false;
                this.refresh();
              }
            }}
            ${ref(this.confidenceInput)}
          />
          <p id="export-min-confidence-hint" class="hint">${t("exports.minConfidenceHint")}</p>
          ${this.confidenceInvalid
            ? html`<p id="export-min-confidence-error" class="field-error">${t("exports.minConfidenceInvalid")}</p>`
            : nothing}
        </div>
        <div>
          <button type="submit" class="btn btn-primary" aria-disabled=${this.submitting ? "true" : "false"}>
            ${this.submitting ? t("exports.submitting") : t("exports.submit")}
          </button>
        </div>
      </div>
    </form>
    ${this.submitError ? errorAlert(this.submitError) : nothing}`;
  }

  private currentView(): TemplateResult {
    const e = this.current;
    // The status line is a live region that is always there (so each change is read out once;
    // the running item count stays out of it).
    const status = html`<p class="export-status" role="status">${this.statusLine()}</p>`;
    if (!e) return html`<div class="export-current is-empty">${status}</div>`;
    return html`<div class="export-current" data-export=${e.id}>
      <h3>${t("exports.current")}</h3>
      ${status}
      ${e.status === "done" || e.status === "failed" || e.items_written > 0
        ? figures(
            [
              { name: "items_written", label: t("exports.itemsWritten"), value: count(e.items_written) },
              { name: "items_skipped", label: t("exports.itemsSkipped"), value: count(e.items_skipped) },
              ...(e.status === "done" ? [{ name: "size", label: t("exports.size"), value: fileSize(e.size_bytes) }] : []),
            ],
            t("exports.current"),
          )
        : nothing}
      ${e.status === "queued" || e.status === "running"
        ? html`<p class="export-working">
            <span class="spinner" aria-hidden="true"></span>
            ${e.status === "running" && e.items_written > 0 ? t("exports.working", { n: count(e.items_written) }) : t("exports.waiting")}
          </p>`
        : nothing}
      ${e.status === "done" && e.download_url
        ? html`<p>${downloadLink(e, fileLabel(e), { className: "btn btn-primary" })}</p>`
        : nothing}
      ${e.warnings.length
        ? html`<div class="alert alert-warning">
            <p class="alert-title">${t("exports.warnings")}</p>
            <ul class="alert-fields">
              ${e.warnings.map((w) => html`<li>${w}</li>`)}
            </ul>
          </div>`
        : nothing}
      ${e.status === "failed"
        ? html`<div class="alert alert-error" role="alert">
            <p class="alert-title">${t("exports.failed")}</p>
            ${e.error ? html`<p>${e.error}</p>` : nothing}
          </div>`
        : nothing}
      ${this.pollError
        ? errorAlert(this.pollError, () => {
            this.pollError = null;
            void this.poll();
          })
        : nothing}
    </div>`;
  }

  /** "JSONL (Consensus): Running". */
  private statusLine(): string {
    const e = this.current;
    if (!e) return "";
    return t("exports.statusLine", {
      format: formatTitle(e.format),
      labels: vocabLabel("exportLabels", e.labels),
      status: vocabLabel("exportStatus", e.status),
    });
  }

  view(job: JobDetail): TemplateResult {
    const h = this.history;
    const followed = this.current;
    // The followed export is fresher than the list's copy of it.
    const rows = h.rows && followed ? h.rows.map((r) => (r.id === followed.id ? followed : r)) : h.rows;
    return html`<section class="card export-panel" aria-labelledby="stats-job-export">
        <h2 id="stats-job-export">${t("exports.heading")}</h2>
        <p class="hint">${t("exports.intro")}</p>
        ${this.formView(job)} ${this.currentView()}
      </section>
      ${statsTable({
        id: "stats-job-exports",
        heading: t("exports.history"),
        caption: t("exports.history"),
        intro: t("exports.historyHint"),
        csvName: "job-exports",
        columns: historyColumns,
        rows,
        rowKey: (r) => r.id,
        loading: h.loading,
        error: h.error,
        retry: () => void h.load(),
        emptyText: t("exports.historyEmpty"),
        skeletonRows: 3,
        after: pager({ total: h.total, limit: h.limit, offset: h.offset, loading: h.loading, onPage: (o) => void h.load(o) }),
      })}`;
  }
}
