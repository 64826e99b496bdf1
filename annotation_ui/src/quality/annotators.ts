/**
 * The job's annotator table (weakest first under the quality sorts), its sort and filter, a
 * confusion heat map per annotator on demand, and the pause / resume form.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { AnnotatorSort, AnnotatorStanding, LabelSchema } from "../api/types";
import { t } from "../i18n";
import { formatNumber } from "../i18n/format";
import { badge, errorAlert } from "../ui/components";
import type { Column } from "../ui/table";
import { EMPTY, formatInterval, formatPercent } from "./format";
import { heatmap } from "./heatmap";
import { className } from "./vocab";

export const SORTS: readonly AnnotatorSort[] = ["est_accuracy", "agreement", "gold_accuracy", "flagged", "labels", "name"];

export interface AnnotatorActions {
  confusionFor: string | null;
  hasConfusion(a: AnnotatorStanding): boolean;
  toggleConfusion(a: AnnotatorStanding): void;
  /** null when the viewer may not pause (client members). */
  pause: ((a: AnnotatorStanding) => void) | null;
  resume(a: AnnotatorStanding): void;
}

function share(n: number, of: number, value: number | null): TemplateResult | string {
  if (value === null) return EMPTY;
  return html`${formatPercent(value, undefined, 1)} <span class="muted">${t("quality.ofN", { n: formatNumber(n), total: formatNumber(of) })}</span>`;
}

function standingBadges(a: AnnotatorStanding): TemplateResult {
  return html`${a.paused ? badge(t("quality.paused"), "danger") : nothing} ${a.flagged_at ? badge(t("quality.flagged"), "warning") : nothing}
  ${!a.paused && !a.flagged_at ? badge(t("quality.ok"), "success") : nothing}
  ${a.pause_reason || a.flag_reason ? html`<div class="hint">${a.pause_reason ?? a.flag_reason}</div>` : nothing}`;
}

export function annotatorColumns(o: AnnotatorActions): Column<AnnotatorStanding>[] {
  return [
    { header: () => t("quality.annotator"), cell: (a) => a.display_name || a.annotator_id, rowHeader: true },
    { header: () => t("quality.labels"), cell: (a) => formatNumber(a.labels), numeric: true },
    { header: () => t("quality.estAccuracy"), cell: (a) => formatPercent(a.est_accuracy, undefined, 1), numeric: true },
    { header: () => t("quality.agreementCol"), cell: (a) => share(a.agreed, a.judged, a.agreement), numeric: true },
    {
      header: () => t("quality.goldAccuracy"),
      cell: (a) =>
        a.gold_accuracy === null
          ? EMPTY
          : html`${share(a.gold_correct, a.gold_total, a.gold_accuracy)}
              <div class="hint">${t("quality.ci", { range: formatInterval(a.gold_accuracy_ci) })}</div>`,
      numeric: true,
    },
    { header: () => t("quality.fastLabels"), cell: (a) => formatNumber(a.fast_labels), numeric: true },
    { header: () => t("quality.standing"), cell: standingBadges },
    {
      header: () => t("quality.actions"),
      cell: (a) => {
        const name = a.display_name || a.annotator_id;
        const open = o.confusionFor === a.annotator_id;
        return html`<span class="qa-row-actions">
          ${o.hasConfusion(a)
            ? html`<button type="button" class="btn btn-secondary btn-small" aria-expanded=${String(open)}
                aria-controls="qa-confusion" aria-label=${t("quality.confusionFor", { name })} @click=${() => o.toggleConfusion(a)}>
                ${t("quality.confusion")}
              </button>`
            : nothing}
          ${o.pause
            ? a.paused
              ? html`<button type="button" class="btn btn-secondary btn-small" aria-label=${t("quality.resumeName", { name })} @click=${() => o.resume(a)}>
                  ${t("quality.resume")}
                </button>`
              : html`<button type="button" class="btn btn-danger-quiet btn-small" aria-label=${t("quality.pauseName", { name })} @click=${() => o.pause?.(a)}>
                  ${t("quality.pause")}
                </button>`
            : nothing}
        </span>`;
      },
      nowrap: true,
    },
  ];
}

export function annotatorToolbar(sort: AnnotatorSort, flagged: boolean, onSort: (s: AnnotatorSort) => void, onFlagged: (f: boolean) => void): TemplateResult {
  return html`<div class="qa-toolbar">
    <div class="field qa-inline-field">
      <label for="qa-sort">${t("quality.sortBy")}</label>
      <select id="qa-sort" @change=${(e: Event) => onSort((e.target as HTMLSelectElement).value as AnnotatorSort)}>
        ${SORTS.map((s) => html`<option value=${s} ?selected=${s === sort}>${t(`quality.sort.${s}`)}</option>`)}
      </select>
    </div>
    <label class="checkbox">
      <input type="checkbox" .checked=${flagged} @change=${(e: Event) => onFlagged((e.target as HTMLInputElement).checked)} />
      ${t("quality.onlyFlagged")}
    </label>
  </div>`;
}

/** One annotator's Dawid–Skene confusion matrix: rows the true class, columns their answer. */
export function confusionSection(schema: LabelSchema, name: string, matrix: readonly (readonly number[])[], onClose: () => void): TemplateResult {
  const classes = schema.labels.map((l) => className(schema, l.name));
  return html`<section id="qa-confusion" class="card qa-confusion" aria-labelledby="qa-confusion-heading">
    <div class="qa-section-head">
      <h3 id="qa-confusion-heading">${t("quality.confusionHeading", { name })}</h3>
      <button type="button" class="btn btn-secondary btn-small" @click=${onClose}>${t("quality.close")}</button>
    </div>
    <p class="hint">${t("quality.confusionHint")}</p>
    ${heatmap({
      caption: t("quality.confusionCaption", { name }),
      corner: t("quality.confusionCorner"),
      rows: classes,
      cols: classes,
      values: matrix,
      format: (v) => formatPercent(v),
    })}
  </section>`;
}

export interface PauseFormState {
  who: AnnotatorStanding;
  reason: string;
  busy: boolean;
  error: unknown;
  missing: boolean;
}

export function pauseForm(p: PauseFormState, onReason: (r: string) => void, onSubmit: () => void, onCancel: () => void): TemplateResult {
  const name = p.who.display_name || p.who.annotator_id;
  return html`<form
    class="card qa-pause-form"
    aria-labelledby="qa-pause-heading"
    @submit=${(e: Event) => {
      e.preventDefault();
      onSubmit();
    }}
    @keydown=${(e: KeyboardEvent) => e.key === "Escape" && onCancel()}
  >
    <h3 id="qa-pause-heading">${t("quality.pauseHeading", { name })}</h3>
    ${p.error ? errorAlert(p.error) : nothing}
    <div class="field">
      <label for="qa-pause-reason">${t("quality.pauseReason")}</label>
      <input id="qa-pause-reason" type="text" maxlength="500" .value=${p.reason} aria-invalid=${p.missing ? "true" : "false"}
        aria-describedby="qa-pause-hint" @input=${(e: Event) => onReason((e.target as HTMLInputElement).value)} />
      <p id="qa-pause-hint" class=${p.missing ? "field-error" : "hint"}>${t(p.missing ? "quality.pauseReasonRequired" : "quality.pauseReasonHint")}</p>
    </div>
    <div class="dialog-actions">
      <button type="button" class="btn btn-secondary" @click=${onCancel}>${t("common.cancel")}</button>
      <button type="submit" class="btn btn-danger" aria-disabled=${p.busy ? "true" : "false"}>${t("quality.pauseConfirm")}</button>
    </div>
  </form>`;
}
