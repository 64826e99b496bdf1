/**
 * A responsive data table with loading (skeleton rows, so nothing jumps), empty and error
 * states, and an optional pager.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { t } from "../i18n";
import { formatNumber } from "../i18n/format";
import { errorAlert } from "./components";

export interface Column<T> {
  header: () => string;
  cell: (row: T) => TemplateResult | string | number;
  /** Right-align numbers and money. */
  numeric?: boolean;
  /** Mark the row's identifying cell: rendered as <th scope="row">. */
  rowHeader?: boolean;
  /** CSS width hint, e.g. "12rem". */
  width?: string;
  /** Keep short values (roles, badges, dates) on one line. */
  nowrap?: boolean;
}

export interface TableOptions<T> {
  /** Accessible name of the table (visually hidden caption). */
  caption: string;
  columns: readonly Column<T>[];
  rows: readonly T[] | null;
  rowKey: (row: T) => string | number;
  loading: boolean;
  error: unknown;
  emptyText: string;
  retry?: () => void;
  skeletonRows?: number;
}

function cellClass(c: { numeric?: boolean; nowrap?: boolean }): string {
  return [c.numeric ? "num" : "", c.nowrap ? "nowrap" : ""].filter(Boolean).join(" ");
}

/** On narrow screens each row becomes a card; `data-label` carries the column name there. */
export function dataTable<T>(o: TableOptions<T>): TemplateResult {
  if (o.error && !o.loading) return errorAlert(o.error, o.retry);
  const firstLoad = o.rows === null;
  const skeleton = Array.from({ length: o.skeletonRows ?? 5 }, (_, i) => i);
  return html`<div
    class="table-wrap"
    role="region"
    aria-label=${o.caption}
    tabindex="0"
    aria-busy=${o.loading ? "true" : "false"}
  >
    <table class=${o.loading && !firstLoad ? "data stack is-refreshing" : "data stack"}>
      <caption class="visually-hidden">${o.caption}</caption>
      <thead>
        <tr>
          ${o.columns.map(
            (c) =>
              html`<th scope="col" class=${c.numeric ? "num" : ""} style=${c.width ? `width:${c.width}` : ""}>
                ${c.header()}
              </th>`,
          )}
        </tr>
      </thead>
      <tbody>
        ${firstLoad
          ? skeleton.map(
              () => html`<tr class="skeleton-row" aria-hidden="true">
                ${o.columns.map(() => html`<td><span class="skeleton"></span></td>`)}
              </tr>`,
            )
          : o.rows!.length === 0
            ? html`<tr>
                <td class="empty" colspan=${o.columns.length}>${o.emptyText}</td>
              </tr>`
            : repeat(
                o.rows!,
                (row) => o.rowKey(row),
                (row) => html`<tr>
                  ${o.columns.map((c) =>
                    c.rowHeader
                      ? html`<th scope="row" class=${cellClass(c)} data-label=${c.header()}>${c.cell(row)}</th>`
                      : html`<td class=${cellClass(c)} data-label=${c.header()}>${c.cell(row)}</td>`,
                  )}
                </tr>`,
              )}
      </tbody>
    </table>
    ${firstLoad ? html`<span class="visually-hidden" role="status">${t("common.loadingData")}</span>` : nothing}
  </div>`;
}

export interface PagerOptions {
  total: number;
  limit: number;
  offset: number;
  loading: boolean;
  onPage: (offset: number) => void;
}

export function pager(o: PagerOptions): TemplateResult | typeof nothing {
  if (o.total <= 0) return nothing;
  const from = o.offset + 1;
  const to = Math.min(o.offset + o.limit, o.total);
  const hasPrev = o.offset > 0;
  const hasNext = o.offset + o.limit < o.total;
  return html`<nav class="pager" aria-label=${t("pager.label")}>
    <span class="pager-range" aria-live="polite">
      ${t("pager.range", { from: formatNumber(from), to: formatNumber(to), total: formatNumber(o.total) })}
    </span>
    ${hasPrev || hasNext
      ? html`<span class="pager-buttons">
          <button
            type="button"
            class="btn btn-secondary"
            aria-disabled=${!hasPrev || o.loading ? "true" : "false"}
            @click=${() => hasPrev && !o.loading && o.onPage(Math.max(0, o.offset - o.limit))}
          >
            ${t("pager.prev")}
          </button>
          <button
            type="button"
            class="btn btn-secondary"
            aria-disabled=${!hasNext || o.loading ? "true" : "false"}
            @click=${() => hasNext && !o.loading && o.onPage(o.offset + o.limit)}
          >
            ${t("pager.next")}
          </button>
        </span>`
      : nothing}
  </nav>`;
}
