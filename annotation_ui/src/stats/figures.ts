/** The figures above a stats page's charts: labelled values, and progress bars against a
 * target or a total (role="progressbar", with the numbers written out beside the bar). */
import { html, nothing, type TemplateResult } from "lit-html";
import { t } from "../i18n";
import { targetShare } from "./format";

export interface Figure {
  label: string;
  value: string | TemplateResult;
  hint?: string;
  /** For tests and the CSV-free reader: a stable name ("labels", "earned", ...). */
  name?: string;
}

export function figures(items: readonly Figure[], label: string): TemplateResult {
  return html`<dl class="facts stats-figures" aria-label=${label}>
    ${items.map(
      (f) => html`<div data-figure=${f.name ?? nothing}>
        <dt>${f.label}</dt>
        <dd>${f.value}${f.hint ? html` <span class="muted">${f.hint}</span>` : nothing}</dd>
      </div>`,
    )}
  </dl>`;
}

export interface MeterOptions {
  id: string;
  label: string;
  /** Formatted value and target ("¥1,234.00", "5,000"). */
  value: string;
  target: string;
  /** value / target; the bar stops at 100%. */
  share: number | null;
  /** Replaces the "value / target" line, e.g. "12 of 30 items". */
  text?: string;
}

/** A labelled bar: "value / target · share". */
export function meter(o: MeterOptions): TemplateResult {
  const s = o.share !== null && Number.isFinite(o.share) ? Math.max(0, o.share) : null;
  const pct = s === null ? 0 : Math.min(100, s * 100);
  const text = o.text ?? t("stats.ofTarget", { value: o.value, target: o.target });
  const shareText = targetShare(s);
  return html`<div class="meter-block" data-meter=${o.id}>
    <div class="meter-head">
      <span id=${`${o.id}-label`} class="meter-label">${o.label}</span>
      <span class="meter-numbers"><span class="meter-text">${text}</span> <strong class="meter-share">${shareText}</strong></span>
    </div>
    <div
      class="meter"
      role="progressbar"
      aria-labelledby=${`${o.id}-label`}
      aria-valuemin="0"
      aria-valuemax="100"
      aria-valuenow=${Math.round(pct * 10) / 10}
      aria-valuetext=${`${text} (${shareText})`}
    >
      <div class="meter-fill" style=${`width:${pct}%`}></div>
    </div>
  </div>`;
}
