/** Templates for the workstation's parts (the page in pages/work.ts owns the state). */
import { html, nothing, type TemplateResult } from "lit-html";
import { styleMap } from "lit-html/directives/style-map.js";
import type { LabelDef, LabelSchema, SkipReason, Span, WorkItem } from "../api/types";
import { t, VOCABULARIES } from "../i18n";
import { keyByLabel, labelTitle, type ItemWork } from "./labels";
import { segments, sliceCodePoints } from "./spans";

export const SKIP_REASONS = VOCABULARIES.skipReason as readonly SkipReason[];

function labelColor(schema: LabelSchema, name: string): string | undefined {
  return schema.labels.find((l) => l.name === name)?.color ?? undefined;
}

/** A tint of the label's colour under dark text (keeps contrast), a solid underline in the colour. */
function markStyle(color: string | undefined) {
  return color ? styleMap({ background: `${color}2e`, borderBottomColor: color }) : nothing;
}

export interface PaletteOptions {
  schema: LabelSchema;
  work: ItemWork;
  itemId: number;
  /** Span labels act on the selection and must not steal it on mousedown. */
  keepSelection: boolean;
  onPick: (name: string) => void;
}

/** The label buttons: pressed state for classification, the key to press shown on each. */
export function labelPalette(o: PaletteOptions): TemplateResult {
  const keys = keyByLabel(o.schema.labels);
  const pressable = o.schema.kind !== "text_spans";
  const hintKey =
    o.schema.kind === "text_spans"
      ? "work.hintSpans"
      : o.schema.kind === "image_boxes"
        ? "work.hintBoxes"
        : o.schema.kind === "image_polygons"
          ? "work.hintPolygons"
          : o.schema.multi
            ? "work.hintMulti"
            : "work.hintSingle";
  return html`<div class="label-palette" role="group" aria-labelledby="labels-${o.itemId}" aria-describedby="labels-hint-${o.itemId}">
    <p id="labels-${o.itemId}" class="palette-title">${t("work.labelsHeading")}</p>
    <p id="labels-hint-${o.itemId}" class="hint">${t(hintKey)}</p>
    <div class="palette-buttons">
      ${o.schema.labels.map((l: LabelDef) => {
        const key = keys.get(l.name);
        return html`<button
          type="button"
          class="label-btn"
          data-label=${l.name}
          aria-pressed=${pressable ? String(o.work.labels.includes(l.name)) : nothing}
          aria-keyshortcuts=${key ?? nothing}
          style=${l.color ? styleMap({ borderLeftColor: l.color }) : nothing}
          @mousedown=${o.keepSelection ? (e: Event) => e.preventDefault() : nothing}
          @click=${() => o.onPick(l.name)}
        >
          ${key ? html`<kbd>${key}</kbd>` : nothing}<span>${labelTitle(l)}</span>
        </button>`;
      })}
    </div>
  </div>`;
}

/** The item's text with marked spans highlighted. No whitespace may enter the container: the
 * selection → offset mapping reads its text content, which must equal the item's text. */
export function spanText(item: WorkItem, schema: LabelSchema, spans: readonly Span[]): TemplateResult {
  const text = item.text ?? "";
  const parts = segments(text, spans).map((seg) => {
    if (!seg.covering.length) return seg.text;
    const first = spans[seg.covering[0] as number] as Span;
    const names = seg.covering.map((i) => labelName(schema, (spans[i] as Span).label)).join(", ");
    return html`<mark class="span-mark" title=${names} style=${markStyle(labelColor(schema, first.label))}>${seg.text}</mark>`;
  });
  return html`<div class="item-text span-text" data-item=${item.id} aria-label=${t("work.textRegion")}>${parts}</div>`;
}

function labelName(schema: LabelSchema, name: string): string {
  const def = schema.labels.find((l) => l.name === name);
  return def ? labelTitle(def) : name;
}

export function spanList(item: WorkItem, schema: LabelSchema, spans: readonly Span[], onDelete: (index: number) => void): TemplateResult {
  const text = item.text ?? "";
  return html`<section class="span-list" aria-labelledby="spans-${item.id}">
    <h3 id="spans-${item.id}">${t("work.spansHeading")}</h3>
    ${spans.length
      ? html`<ul>
          ${spans.map((s, i) => {
            const covered = sliceCodePoints(text, s.start, s.end);
            const label = labelName(schema, s.label);
            return html`<li>
              <mark class="span-mark" style=${markStyle(labelColor(schema, s.label))}>${covered}</mark>
              <span class="muted">${label}</span>
              <button type="button" class="btn btn-small btn-danger-quiet" aria-label=${t("work.spanDeleteLabel", { text: covered, label })} @click=${() => onDelete(i)}>
                ${t("work.spanDelete")}
              </button>
            </li>`;
          })}
        </ul>`
      : html`<p class="muted">${t("work.spansEmpty")}</p>`}
  </section>`;
}

export interface SkipFormOptions {
  reason: SkipReason;
  note: string;
  busy: boolean;
  onReason: (r: SkipReason) => void;
  onNote: (note: string) => void;
  onConfirm: () => void;
  onCancel: () => void;
}

/** The skip reason picker: radios (arrow keys), optional note, Esc cancels. */
export function skipForm(o: SkipFormOptions): TemplateResult {
  return html`<form
    class="card skip-form"
    aria-labelledby="skip-title"
    @submit=${(e: Event) => {
      e.preventDefault();
      o.onConfirm();
    }}
    @keydown=${(e: KeyboardEvent) => {
      if (e.key === "Escape") {
        e.preventDefault();
        o.onCancel();
      }
    }}
  >
    <h2 id="skip-title">${t("work.skipTitle")}</h2>
    <fieldset>
      <legend>${t("work.skipReason")}</legend>
      ${SKIP_REASONS.map(
        (r) => html`<label class="checkbox">
          <input type="radio" name="skip-reason" value=${r} .checked=${o.reason === r} @change=${() => o.onReason(r)} />
          ${t(`skipReason.${r}`)}
        </label>`,
      )}
    </fieldset>
    <div class="field">
      <label for="skip-note">${t("work.skipNote")}</label>
      <textarea id="skip-note" rows="2" maxlength="2000" .value=${o.note} @input=${(e: Event) => o.onNote((e.target as HTMLTextAreaElement).value)}></textarea>
    </div>
    <div class="dialog-actions">
      <button type="button" class="btn btn-secondary" @click=${o.onCancel}>${t("common.cancel")}</button>
      <button type="submit" class="btn btn-primary" aria-disabled=${o.busy ? "true" : "false"}>${t("work.skipConfirm")}</button>
    </div>
  </form>`;
}
