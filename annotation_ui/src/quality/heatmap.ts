/** A matrix as a table whose cells are tinted by value (CSS only, no chart library). */
import { html, type TemplateResult } from "lit-html";
import { styleMap } from "lit-html/directives/style-map.js";
import { HEAT_STEPS, heatStep } from "./format";

export interface HeatmapOptions {
  caption: string;
  /** Text of the top-left cell, e.g. "true ↓ / given →". */
  corner: string;
  rows: readonly string[];
  cols: readonly string[];
  values: readonly (readonly (number | null)[])[];
  format: (value: number | null) => string;
  /** The value to tint by (default: the value itself), e.g. kappa → 0..1. */
  tint?: (value: number | null) => number | null;
  className?: string;
}

export function heatmap(o: HeatmapOptions): TemplateResult {
  const tint = o.tint ?? ((v: number | null) => v);
  return html`<div class="table-wrap qa-heat-wrap ${o.className ?? ""}" role="region" aria-label=${o.caption} tabindex="0">
    <table class="qa-heat">
      <caption>${o.caption}</caption>
      <thead>
        <tr>
          <th scope="col" class="qa-heat-corner">${o.corner}</th>
          ${o.cols.map((c) => html`<th scope="col">${c}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${o.rows.map(
          (r, i) => html`<tr>
            <th scope="row">${r}</th>
            ${o.cols.map((_, j) => {
              const value = o.values[i]?.[j] ?? null;
              const s = heatStep(tint(value));
              const step = s === null ? null : HEAT_STEPS[s]!;
              return html`<td class="num" data-step=${s ?? "none"} style=${styleMap(step ? { background: step.background, color: step.color } : {})}>
                ${o.format(value)}
              </td>`;
            })}
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
