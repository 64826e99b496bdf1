/**
 * The job dashboard's read-only sections: where the items stand, the agreement figures of the
 * last refit, per-class agreement and pairwise Cohen's kappa (src/pages/quality-job.ts wires them).
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { ClassMetric, ConsensusState, LabelSchema, QualityReport } from "../api/types";
import { t } from "../i18n";
import { formatNumber } from "../i18n/format";
import { timeView } from "../ui/components";
import { heatmap } from "./heatmap";
import { EMPTY, formatPercent, formatScore } from "./format";
import { className, qualityLabel } from "./vocab";

const STATES: readonly ConsensusState[] = ["open", "decided", "review", "reviewed", "rework"];

function fact(label: string, value: TemplateResult | string, hint?: string): TemplateResult {
  return html`<div>
    <dt>${label}</dt>
    <dd>${value}${hint ? html` <span class="muted">${hint}</span>` : nothing}</dd>
  </div>`;
}

/** Items by consensus state, with the queue's size linked to it. */
export function itemsSection(report: QualityReport, reviewHref: string): TemplateResult {
  return html`<section class="card" aria-labelledby="qa-items-heading">
    <h2 id="qa-items-heading">${t("quality.itemsHeading")}</h2>
    <dl class="facts qa-states">
      ${STATES.map((s) =>
        fact(
          qualityLabel("state", s),
          s === "review" && report.items.review > 0
            ? html`<a href=${reviewHref}>${formatNumber(report.items.review)}</a>`
            : formatNumber(report.items[s] ?? 0),
        ),
      )}
      ${fact(t("quality.meanConfidence"), formatPercent(report.mean_confidence, undefined, 1), t("quality.targetHint", { target: formatPercent(report.target) }))}
      ${fact(t("quality.meanAgreement"), formatPercent(report.mean_agreement, undefined, 1))}
    </dl>
  </section>`;
}

/** The figures of the last refit; before the first one, what to expect and when. */
export function agreementSection(report: QualityReport, refit: TemplateResult): TemplateResult {
  const m = report.metrics;
  const nominal = !!m && m.krippendorff_alpha !== undefined;
  return html`<section class="card" aria-labelledby="qa-agreement-heading">
    <div class="qa-section-head">
      <h2 id="qa-agreement-heading">${t("quality.agreementHeading")}</h2>
      ${refit}
    </div>
    <dl class="facts">
      ${fact(t("quality.method"), qualityLabel("method", report.method))}
      ${nominal
        ? html`${fact(t("quality.alpha"), formatScore(m!.krippendorff_alpha))} ${fact(t("quality.fleiss"), formatScore(m!.fleiss_kappa))}
          ${fact(t("quality.observed"), formatPercent(m!.observed_agreement, undefined, 1))}`
        : nothing}
      ${m ? fact(t("quality.labelsAtFit"), formatNumber(m.labels ?? report.labels_at_fit)) : nothing}
      ${fact(t("quality.fittedAt"), report.metrics_at ? timeView(report.metrics_at, true) : t("quality.neverFitted"))}
    </dl>
    ${!m
      ? html`<p class="hint qa-note">${t("quality.noMetrics")}</p>`
      : !nominal && !m.per_class
        ? html`<p class="hint qa-note">${t("quality.itemAgreementOnly")}</p>`
        : nothing}
  </section>`;
}

/** Agreement per class: specific agreement and kappa (single label), alpha and observed
 * agreement of each yes/no question (multi-label). */
export function perClassSection(report: QualityReport, schema: LabelSchema): TemplateResult | typeof nothing {
  const rows = report.metrics?.per_class;
  if (!rows?.length) return nothing;
  const multi = rows.some((r) => r.krippendorff_alpha !== undefined);
  const cols: [string, (r: ClassMetric) => string][] = multi
    ? [
        [t("quality.alpha"), (r) => formatScore(r.krippendorff_alpha)],
        [t("quality.observed"), (r) => formatPercent(r.observed_agreement, undefined, 1)],
      ]
    : [
        [t("quality.specificAgreement"), (r) => formatPercent(r.specific_agreement, undefined, 1)],
        [t("quality.classKappa"), (r) => formatScore(r.kappa)],
      ];
  return html`<section class="section" aria-labelledby="qa-class-heading">
    <h2 id="qa-class-heading">${t("quality.perClassHeading")}</h2>
    <div class="table-wrap" role="region" aria-labelledby="qa-class-heading" tabindex="0">
      <table class="data">
        <thead>
          <tr>
            <th scope="col">${t("quality.class")}</th>
            ${cols.map(([h]) => html`<th scope="col" class="num">${h}</th>`)}
          </tr>
        </thead>
        <tbody>
          ${rows.map(
            (r) => html`<tr>
              <th scope="row">${className(schema, r.label)}</th>
              ${cols.map(([, cell]) => html`<td class="num">${cell(r)}</td>`)}
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

/** Pairwise Cohen's kappa between annotators who labeled items in common. */
export function cohenSection(report: QualityReport, nameOf: (annotatorId: string) => string): TemplateResult | typeof nothing {
  const c = report.metrics?.cohen_kappa;
  if (!c || c.annotators.length < 2) return nothing;
  const names = c.annotators.map(nameOf);
  return html`<details class="section qa-details">
    <summary>${t("quality.cohenHeading", { n: c.annotators.length })}</summary>
    <p class="hint">${t("quality.cohenHint")}</p>
    ${heatmap({
      caption: t("quality.cohenCaption"),
      corner: EMPTY,
      rows: names,
      cols: names,
      values: c.kappa,
      format: (v) => formatScore(v),
    })}
  </details>`;
}
