/**
 * The item's labels side by side: the consensus first, then one card per annotator with their
 * answer rendered for the job's kind — chosen classes, spans highlighted in the text (the
 * workstation's span rendering), or their boxes/polygons drawn over the image.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { styleMap } from "lit-html/directives/style-map.js";
import type { LabelSchema, ReviewItem, ReviewLabel, Span, WorkItem } from "../api/types";
import { t } from "../i18n";
import { formatDuration, formatNumber } from "../i18n/format";
import { badge, timeView, type Tone } from "../ui/components";
import { isClassification, isShapeKind, workFromAnswer } from "../work/labels";
import { shapeColor } from "../work/shapes";
import { sliceCodePoints } from "../work/spans";
import { spanText } from "../work/views";
import { answerClasses, sameClasses } from "./answers";
import { shapeFigure } from "./figure";
import { EMPTY, formatPercent } from "./format";
import { className, qualityLabel } from "./vocab";

const STATUS_TONE: Record<string, Tone> = { pending: "neutral", accepted: "success", rejected: "danger" };

export interface CompareOptions {
  item: ReviewItem;
  schema: LabelSchema;
  busy: boolean;
  /** Pick the label as the answer (its key is its position, 1–9). */
  onPick(label: ReviewLabel): void;
  /** Start a correction from this answer. */
  onEditFrom(answer: unknown, from: string): void;
}

/** What an annotator is called on the card: their name when the API gives it, else a number. */
export function annotatorName(label: ReviewLabel, n: number): string {
  return label.display_name ?? t("quality.annotatorN", { n });
}

function asWorkItem(item: ReviewItem): WorkItem {
  return { id: item.item_id, kind: item.kind, text: item.text, image_url: item.image_url, width: item.width, height: item.height, meta: {} };
}

function classChips(schema: LabelSchema, item: ReviewItem, answer: unknown): TemplateResult {
  const size = item.width && item.height ? { width: item.width, height: item.height } : undefined;
  const tally = answerClasses(schema, answer, size);
  if (!tally.length) return html`<p class="muted qa-answer">${t(isClassification(schema) ? "quality.noClass" : "quality.nothingMarked")}</p>`;
  return html`<ul class="qa-chips qa-answer">
    ${tally.map((c) => {
      return html`<li class="qa-chip" data-label=${c.label} style=${styleMap({ borderLeftColor: shapeColor(schema.labels, c.label) })}>
        ${className(schema, c.label)}${isClassification(schema) ? nothing : html` <span class="muted">×${formatNumber(c.count)}</span>`}
      </li>`;
    })}
  </ul>`;
}

function spansAnswer(schema: LabelSchema, item: ReviewItem, answer: unknown): TemplateResult {
  const spans: Span[] = workFromAnswer(schema, answer).spans;
  const text = item.text ?? "";
  return html`<div class="qa-span-answer">
    ${spanText(asWorkItem(item), schema, spans)}
    ${spans.length
      ? html`<ul class="qa-span-list">
          ${spans.map((s) => html`<li><mark class="span-mark">${sliceCodePoints(text, s.start, s.end)}</mark> <span class="muted">${className(schema, s.label)}</span></li>`)}
        </ul>`
      : html`<p class="muted">${t("quality.nothingMarked")}</p>`}
  </div>`;
}

/** One answer in the form its kind is best compared in. */
export function answerView(schema: LabelSchema, item: ReviewItem, answer: unknown, alt: string): TemplateResult {
  if (schema.kind === "text_spans") return spansAnswer(schema, item, answer);
  if (isShapeKind(schema)) return html`${shapeFigure(item, schema, answer, alt)} ${classChips(schema, item, answer)}`;
  return classChips(schema, item, answer);
}

function consensusCard(o: CompareOptions): TemplateResult {
  const c = o.item.consensus;
  const answer = c?.answer ?? null;
  return html`<article class="qa-card qa-consensus" aria-labelledby="qa-consensus-title">
    <header class="qa-card-head">
      <h3 id="qa-consensus-title">${t(c?.state === "reviewed" ? "quality.reviewedAnswer" : "quality.consensus")}</h3>
      ${c ? badge(qualityLabel("state", c.state), c.state === "review" ? "warning" : c.state === "rework" ? "danger" : "info") : nothing}
    </header>
    ${c
      ? html`<p class="qa-meta">
          ${t("quality.confidenceValue", { value: formatPercent(c.confidence, undefined, 1) })} ·
          ${t("quality.agreementValue", { value: c.agreement === null ? EMPTY : formatPercent(c.agreement, undefined, 1) })} ·
          ${t("quality.nLabels", { n: c.n_labels })}
        </p>`
      : nothing}
    ${answer === null ? html`<p class="muted qa-answer">${t("quality.noConsensus")}</p>` : answerView(o.schema, o.item, answer, t("quality.consensusImageAlt"))}
    ${c?.rework_note ? html`<p class="qa-note">${t("quality.reworkNote", { note: c.rework_note })}</p>` : nothing}
    ${answer !== null
      ? html`<div class="qa-card-actions">
          <button type="button" class="btn btn-secondary btn-small" @click=${() => o.onEditFrom(answer, t("quality.consensus"))}>${t("quality.editFrom")}</button>
        </div>`
      : nothing}
  </article>`;
}

function labelCard(o: CompareOptions, label: ReviewLabel, n: number): TemplateResult {
  const name = annotatorName(label, n);
  const same = label.agrees ?? sameClasses(o.schema, label.answer, o.item.consensus?.answer);
  return html`<article class="qa-card ${label.counted ? "" : "is-discounted"}" data-label-id=${label.label_id} aria-labelledby="qa-label-${label.label_id}">
    <header class="qa-card-head">
      <h3 id="qa-label-${label.label_id}"><kbd aria-hidden="true">${n <= 9 ? n : ""}</kbd> ${name}</h3>
      ${badge(qualityLabel("labelStatus", label.status), STATUS_TONE[label.status] ?? "neutral")}
    </header>
    ${same === null && label.counted
      ? nothing
      : html`<p class="qa-meta">
          ${same === null ? nothing : html`<span class=${same ? "qa-same" : "qa-differs"}>${t(same ? "quality.matches" : "quality.differs")}</span>`}
          ${label.counted ? nothing : html`<span>${t("quality.notCounted")}</span>`}
        </p>`}
    <p class="qa-meta">${t("quality.activeTime", { time: formatDuration(label.active_ms) })} · ${timeView(label.submitted_at, true)}</p>
    ${answerView(o.schema, o.item, label.answer, t("quality.labelImageAlt", { name }))}
    <div class="qa-card-actions">
      <button type="button" class="btn btn-primary btn-small qa-pick" aria-keyshortcuts=${n <= 9 ? String(n) : nothing}
        aria-disabled=${o.busy ? "true" : "false"} aria-label=${t("quality.pickName", { name })} @click=${() => !o.busy && o.onPick(label)}>
        ${t("quality.pick")}
      </button>
      <button type="button" class="btn btn-secondary btn-small" aria-label=${t("quality.editFromName", { name })} @click=${() => o.onEditFrom(label.answer, name)}>
        ${t("quality.editFrom")}
      </button>
    </div>
  </article>`;
}

export function comparison(o: CompareOptions): TemplateResult {
  const wide = o.schema.kind === "text_spans";
  return html`<div class="qa-compare ${wide ? "is-wide" : ""}" role="group" aria-label=${t("quality.compareLabel", { n: o.item.labels.length })}>
    ${consensusCard(o)} ${o.item.labels.map((l, i) => labelCard(o, l, i + 1))}
  </div>`;
}
