/**
 * Templates around an item: its tool bar (undo/redo; zoom for images), other annotators'
 * labels (jobs that are not blind), a reviewer's rework note, and the list of submissions
 * waiting to be sent.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { LabelSchema, WorkItem } from "../api/types";
import { t } from "../i18n";
import { formatDateTime, formatNumber } from "../i18n/format";
import { labelTitle } from "./labels";
import type { OthersSummary } from "./others";
import { sliceCodePoints } from "./spans";
import { cachedJob, type PendingEntry } from "./state";

export interface ToolsOptions {
  itemId: number;
  canUndo: boolean;
  canRedo: boolean;
  onUndo(): void;
  onRedo(): void;
  /** Set for images: the current zoom and its buttons. */
  zoom?: { scale: number; onIn(): void; onOut(): void; onFit(): void };
}

/** An icon button: the icon is decoration, the accessible name says what it does. Disabled
 * with aria-disabled so it keeps its place in the tab order. */
function iconButton(icon: string, label: string, keys: string, enabled: boolean, onClick: () => void, cls = ""): TemplateResult {
  return html`<button
    type="button"
    class="btn btn-secondary btn-icon ${cls}"
    aria-label=${label}
    title=${label}
    aria-keyshortcuts=${keys}
    aria-disabled=${enabled ? "false" : "true"}
    @click=${() => enabled && onClick()}
  >
    <span aria-hidden="true">${icon}</span>
  </button>`;
}

export function itemTools(o: ToolsOptions): TemplateResult {
  const z = o.zoom;
  return html`<div class="item-tools" role="toolbar" aria-label=${t("work.toolsLabel")} data-item=${o.itemId}>
    ${iconButton("↶", t("work.undo"), "Control+Z Meta+Z", o.canUndo, o.onUndo, "undo-btn")}
    ${iconButton("↷", t("work.redo"), "Control+Shift+Z Control+Y Meta+Shift+Z", o.canRedo, o.onRedo, "redo-btn")}
    ${z
      ? html`<span class="tools-sep" aria-hidden="true"></span>
          ${iconButton("−", t("work.zoomOut"), "-", true, z.onOut, "zoom-out-btn")}
          <output class="zoom-level" aria-label=${t("work.zoomLevel")}>${formatNumber(Math.round(z.scale * 100))}%</output>
          ${iconButton("+", t("work.zoomIn"), "+", true, z.onIn, "zoom-in-btn")}
          <button type="button" class="btn btn-secondary btn-small zoom-fit-btn" aria-keyshortcuts="0" @click=${z.onFit}>${t("work.zoomFit")}</button>
          <span class="hint">${t("work.zoomHelp")}</span>`
      : nothing}
  </div>`;
}

/** Other annotators' labels on this item, read-only (their shapes are also drawn dashed). */
export function othersPanel(item: WorkItem, schema: LabelSchema, o: OthersSummary): TemplateResult {
  const title = (name: string) => {
    const def = schema.labels.find((l) => l.name === name);
    return def ? labelTitle(def) : name;
  };
  const shapes = o.boxes.length + o.polygons.length;
  return html`<section class="others" aria-labelledby="others-${item.id}" data-answers=${o.answers}>
    <h3 id="others-${item.id}">${t("work.othersHeading", { n: o.answers })}</h3>
    ${o.answers === 0
      ? html`<p class="muted">${t("work.othersNone")}</p>`
      : html`${shapes ? html`<p class="hint">${t("work.othersShapesHint")}</p>` : nothing}
          <ul class="others-list">
            ${schema.kind === "text_spans"
              ? o.spans.map(
                  (s) => html`<li><mark class="span-mark">${sliceCodePoints(item.text ?? "", s.start, s.end)}</mark> ${title(s.label)}
                    <span class="muted">${t("work.othersTimes", { n: s.count })}</span></li>`,
                )
              : o.classes.map((c) => html`<li>${title(c.label)} <span class="muted">${t("work.othersTimes", { n: c.count })}</span></li>`)}
          </ul>
          ${schema.kind === "text_spans" && o.spans.length === 0 ? html`<p class="muted">${t("work.othersNoSpans")}</p>` : nothing}`}
  </section>`;
}

/** A QA reviewer sent this item back: their comment, above the item, before anything else. */
export function reworkNote(itemId: number, note: string): TemplateResult {
  return html`<section class="rework-note" aria-labelledby="rework-${itemId}" data-item=${itemId}>
    <h3 id="rework-${itemId}">${t("work.reworkHeading")}</h3>
    <p class="rework-text">${note}</p>
    <p class="hint">${t("work.reworkHelp")}</p>
  </section>`;
}

/** What is waiting to be sent: one line per queued submission, oldest first. */
export function pendingList(entries: readonly PendingEntry[]): TemplateResult | typeof nothing {
  if (!entries.length) return nothing;
  return html`<ul class="pending-list" aria-label=${t("work.pendingListLabel")}>
    ${entries.map(
      (e) => html`<li>
        ${t("work.pendingItem", { job: cachedJob(e.job_id)?.name ?? e.job_id, id: String(e.assignment_id), n: e.items, time: formatDateTime(e.queued_at) })}
      </li>`,
    )}
  </ul>`;
}
