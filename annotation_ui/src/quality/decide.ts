/**
 * The reviewer's decisions on the shown item: the action bar (accept, correct, reject, previous
 * and next), the correction panel (the workstation's class palette, span marking and shape
 * editor) and the reject form with its required comment.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { ref } from "lit-html/directives/ref.js";
import type { LabelSchema, ReviewItem, WorkItem } from "../api/types";
import { t } from "../i18n";
import { errorAlert } from "../ui/components";
import { isClassification, isShapeKind, type ItemWork } from "../work/labels";
import { labelPalette, spanList, spanText } from "../work/views";

function keyButton(label: string, key: string, cls: string, onClick: () => void, disabled = false): TemplateResult {
  return html`<button type="button" class="btn ${cls}" aria-keyshortcuts=${key} aria-disabled=${disabled ? "true" : "false"} @click=${() => !disabled && onClick()}>
    ${label} <kbd aria-hidden="true">${key}</kbd>
  </button>`;
}

export interface ActionBarOptions {
  canAccept: boolean;
  busy: boolean;
  hasPrev: boolean;
  hasNext: boolean;
  onAccept(): void;
  onCorrect(): void;
  onReject(): void;
  onPrev(): void;
  onNext(): void;
}

export function actionBar(o: ActionBarOptions): TemplateResult {
  return html`<div class="qa-actions" role="toolbar" aria-label=${t("quality.actionsLabel")}>
    ${keyButton(t("quality.accept"), "a", "btn-primary qa-accept", o.onAccept, o.busy || !o.canAccept)}
    ${keyButton(t("quality.correct"), "c", "btn-secondary qa-correct-btn", o.onCorrect, o.busy)}
    ${keyButton(t("quality.reject"), "r", "btn-danger-quiet qa-reject-btn", o.onReject, o.busy)}
    <span class="qa-actions-nav">
      ${keyButton(t("quality.prev"), "k", "btn-secondary", o.onPrev, !o.hasPrev)} ${keyButton(t("quality.next"), "j", "btn-secondary", o.onNext, !o.hasNext)}
    </span>
  </div>
  <p class="hint qa-keys">${t("quality.keysHint")}</p>`;
}

export interface CorrectOptions {
  item: ReviewItem;
  schema: LabelSchema;
  work: ItemWork;
  from: string;
  busy: boolean;
  error: unknown;
  classMissing: boolean;
  /** Stable per correction: mounts the shape editor (boxes, polygons). */
  shapeHost: (el: Element | undefined) => void;
  onPick(name: string): void;
  onDeleteSpan(index: number): void;
  onDeleteShape(): void;
  onSave(): void;
  onCancel(): void;
}

function asWorkItem(item: ReviewItem): WorkItem {
  return { id: item.item_id, kind: item.kind, text: item.text, image_url: item.image_url, width: item.width, height: item.height, meta: {} };
}

export function correctPanel(o: CorrectOptions): TemplateResult {
  const { schema } = o;
  const item = asWorkItem(o.item);
  const shapes = isShapeKind(schema);
  return html`<section id="qa-correct" class="card qa-panel" aria-labelledby="qa-correct-heading">
    <h3 id="qa-correct-heading" tabindex="-1">${t("quality.correctHeading")}</h3>
    <p class="hint">${t("quality.correctFrom", { from: o.from })}</p>
    ${o.error ? errorAlert(o.error) : nothing}
    ${schema.kind === "text_spans" ? spanText(item, schema, o.work.spans) : nothing}
    ${shapes
      ? html`<div class="shape-stage qa-shape-stage" data-shapes=${o.work.boxes.length + o.work.polygons.length} ${ref(o.shapeHost)}></div>`
      : nothing}
    ${labelPalette({ schema, work: o.work, itemId: o.item.item_id, keepSelection: schema.kind === "text_spans", onPick: o.onPick })}
    ${o.classMissing ? html`<p class="field-error" role="alert">${t("quality.chooseClass")}</p>` : nothing}
    ${schema.kind === "text_spans" ? spanList(item, schema, o.work.spans, o.onDeleteSpan) : nothing}
    ${shapes
      ? html`<p><button type="button" class="btn btn-secondary btn-small" aria-keyshortcuts="Delete" @click=${o.onDeleteShape}>${t("quality.deleteShape")}</button></p>`
      : nothing}
    <div class="dialog-actions">
      <button type="button" class="btn btn-secondary" aria-keyshortcuts="Escape" @click=${o.onCancel}>${t("common.cancel")}</button>
      <button type="button" class="btn btn-primary qa-save" aria-keyshortcuts="Control+Enter" aria-disabled=${o.busy ? "true" : "false"} @click=${o.onSave}>
        ${t("quality.saveCorrection")}
      </button>
    </div>
    ${isClassification(schema) ? nothing : html`<p class="hint">${t("quality.correctSaveHint")}</p>`}
  </section>`;
}

export interface RejectOptions {
  comment: string;
  missing: boolean;
  busy: boolean;
  error: unknown;
  onComment(value: string): void;
  onSubmit(): void;
  onCancel(): void;
}

export function rejectForm(o: RejectOptions): TemplateResult {
  return html`<form
    id="qa-reject"
    class="card qa-panel"
    aria-labelledby="qa-reject-heading"
    @submit=${(e: Event) => {
      e.preventDefault();
      o.onSubmit();
    }}
  >
    <h3 id="qa-reject-heading">${t("quality.rejectHeading")}</h3>
    <p class="hint">${t("quality.rejectHint")}</p>
    ${o.error ? errorAlert(o.error) : nothing}
    <div class="field">
      <label for="qa-reject-comment">${t("quality.rejectComment")}</label>
      <textarea id="qa-reject-comment" rows="3" maxlength="2000" .value=${o.comment} aria-invalid=${o.missing ? "true" : "false"}
        aria-describedby=${o.missing ? "qa-reject-missing" : nothing} @input=${(e: Event) => o.onComment((e.target as HTMLTextAreaElement).value)}></textarea>
      ${o.missing ? html`<p id="qa-reject-missing" class="field-error">${t("quality.rejectCommentRequired")}</p>` : nothing}
    </div>
    <div class="dialog-actions">
      <button type="button" class="btn btn-secondary" @click=${o.onCancel}>${t("common.cancel")}</button>
      <button type="submit" class="btn btn-danger qa-reject-submit" aria-disabled=${o.busy ? "true" : "false"}>${t("quality.rejectConfirm")}</button>
    </div>
  </form>`;
}
