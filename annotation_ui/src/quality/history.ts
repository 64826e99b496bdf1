/** The item's review record: who decided what, when, and the answer before and after. */
import { html, nothing, type TemplateResult } from "lit-html";
import type { LabelSchema, ReviewItem, ReviewRecord } from "../api/types";
import { getLocale, t } from "../i18n";
import { formatNumber } from "../i18n/format";
import { badge, timeView } from "../ui/components";
import { isClassification } from "../work/labels";
import { answerClasses, imageSize } from "./answers";
import { EMPTY } from "./format";
import { className, qualityLabel } from "./vocab";

/** An answer in a few words: its classes (with counts for drawings and spans). */
export function answerSummary(schema: LabelSchema, item: ReviewItem, answer: unknown): string {
  if (answer === null || answer === undefined) return EMPTY;
  const tally = answerClasses(schema, answer, imageSize(item) ?? undefined);
  if (!tally.length) return t(isClassification(schema) ? "quality.noClass" : "quality.nothingMarked");
  const parts = tally.map((c) => (isClassification(schema) ? className(schema, c.label) : `${className(schema, c.label)} ×${formatNumber(c.count)}`));
  return new Intl.ListFormat(getLocale(), { style: "short", type: "unit" }).format(parts);
}

function reviewer(record: ReviewRecord, meId: string): string {
  if (!record.reviewer_id) return t("quality.reviewerUnknown");
  if (record.reviewer_id === meId) return t("quality.reviewerYou");
  return record.reviewer_name ?? t("quality.reviewerId", { id: record.reviewer_id.slice(0, 8) });
}

export function historyView(item: ReviewItem, schema: LabelSchema, meId: string): TemplateResult {
  return html`<section class="qa-history" aria-labelledby="qa-history-heading">
    <h3 id="qa-history-heading">${t("quality.historyHeading")}</h3>
    ${item.history.length
      ? html`<ol>
          ${[...item.history].reverse().map(
            (r) => html`<li data-action=${r.action}>
              ${badge(qualityLabel("action", r.action), r.action === "reject" ? "danger" : "info")}
              <span>${t("quality.historyBy", { who: reviewer(r, meId) })}</span> · ${timeView(r.created_at, true)}
              <div class="qa-history-change">
                ${t("quality.historyChange", { before: answerSummary(schema, item, r.before), after: r.action === "reject" ? t("quality.sentBack") : answerSummary(schema, item, r.after) })}
              </div>
              ${r.comment ? html`<div class="qa-history-comment">${t("quality.historyComment", { comment: r.comment })}</div>` : nothing}
            </li>`,
          )}
        </ol>`
      : html`<p class="muted">${t("quality.historyEmpty")}</p>`}
  </section>`;
}
