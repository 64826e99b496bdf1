/**
 * A responsive data table with loading (skeleton rows, so nothing jumps), empty and error
 * states, an optional pager, and optionally sortable columns (the page keeps the sort and
 * orders its rows with sortRows()).
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { repeat } from "lit-html/directives/repeat.js";
import { getLocale, t } from "../i18n";
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
  /** The raw value for CSV export (src/ui/csv.ts); without it, the cell when it is text. */
  csv?: (row: T) => string | number | boolean | null | undefined;
  /** Makes the column sortable by this value (null or undefined sort last). */
  sort?: (row: T) => number | string | null | undefined;
}

export interface SortState {
  /** Index of the column in `columns`. */
  index: number;
  dir: "asc" | "desc";
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
  /** Rows under the body (<tfoot>), e.g. totals; shown once the rows are there. */
  footer?: TemplateResult;
  /** The current sort (shown as aria-sort and an arrow); with onSort, sortable headers are buttons. */
  sort?: SortState | null;
  onSort?: (index: number) => void;
}

function cellClass(c: { numeric?: boolean; nowrap?: boolean }): string {
  return [c.numeric ? "num" : "", c.nowrap ? "nowrap" : ""].filter(Boolean).join(" ");
}

function headerCell<T>(c: Column<T>, i: number, o: TableOptions<T>): TemplateResult {
  const style = c.width ? `width:${c.width}` : "";
  if (!c.sort || !o.onSort) {
    return html`<th scope="col" class=${c.numeric ? "num" : ""} style=${style}>${c.header()}</th>`;
  }
  const dir = o.sort?.index === i ? o.sort.dir : null;
  const onSort = o.onSort;
  return html`<th
    scope="col"
    class=${c.numeric ? "num sortable" : "sortable"}
    style=${style}
    aria-sort=${dir === "asc" ? "ascending" : dir === "desc" ? "descending" : "none"}
  >
    <button type="button" class="th-sort" @click=${() => onSort(i)}>
      ${c.header()}<span class="th-sort-mark" aria-hidden="true">${dir === "asc" ? "▲" : dir === "desc" ? "▼" : "↕"}</span>
    </button>
  </th>`;
}

/** The next sort after a click on column `index`: the same column flips, another starts
 * descending for numbers (largest first) and ascending for text. */
export function nextSort<T>(current: SortState | null, index: number, columns: readonly Column<T>[]): SortState {
  if (current?.index === index) return { index, dir: current.dir === "asc" ? "desc" : "asc" };
  return { index, dir: columns[index]?.numeric ? "desc" : "asc" };
}

/** A sorted copy (stable; empty values last in both directions; text in the locale's order). */
export function sortRows<T>(rows: readonly T[], columns: readonly Column<T>[], sort: SortState | null): T[] {
  const key = sort ? columns[sort.index]?.sort : undefined;
  if (!sort || !key) return [...rows];
  const sign = sort.dir === "asc" ? 1 : -1;
  const collator = new Intl.Collator(getLocale(), { numeric: true });
  return rows
    .map((row, i) => ({ row, i, v: key(row) }))
    .sort((a, b) => {
      const aEmpty = a.v === null || a.v === undefined || (typeof a.v === "number" && Number.isNaN(a.v));
      const bEmpty = b.v === null || b.v === undefined || (typeof b.v === "number" && Number.isNaN(b.v));
      if (aEmpty || bEmpty) return aEmpty === bEmpty ? a.i - b.i : aEmpty ? 1 : -1;
      const c =
        typeof a.v === "number" && typeof b.v === "number" ? a.v - b.v : collator.compare(String(a.v), String(b.v));
      return c === 0 ? a.i - b.i : sign * c;
    })
    .map((x) => x.row);
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
          ${o.columns.map((c, i) => headerCell(c, i, o))}
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
      ${o.footer && o.rows?.length ? html`<tfoot>${o.footer}</tfoot>` : nothing}
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
