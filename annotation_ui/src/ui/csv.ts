/**
 * Tables as CSV files: RFC 4180 text (CRLF lines, fields quoted when they hold a comma, a
 * quote or a line break), a UTF-8 byte order mark so Excel reads Chinese names, and the "Export
 * CSV" button every stats table carries. Values are the raw figures (exact decimal strings,
 * plain numbers), not the locale's formatting, so a spreadsheet can add them up.
 */
import { html, type TemplateResult } from "lit-html";
import { t } from "../i18n";
import type { Column } from "./table";

export type CsvValue = string | number | boolean | null | undefined;

/** What makes Excel read the file as UTF-8. */
export const BOM = "\ufeff";

const NUMERIC = /^[-+]?\d+(\.\d+)?$/;
/** A text cell a spreadsheet would run as a formula (CSV injection). */
const FORMULA = /^[=+\-@\t\r]/;

/** One field: quoted when needed, inner quotes doubled; text that would start a formula is
 * prefixed with an apostrophe (numbers, negative ones too, are left alone). */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let s = String(value);
  if (typeof value === "string" && FORMULA.test(s) && !NUMERIC.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The whole file without the BOM: a header line, then one line per row, each ending in CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvField).join(",")}\r\n`).join("");
}

/** A table's columns and rows as CSV: each column's `csv` value, else its cell when that is
 * plain text or a number. */
export function tableCsv<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cellValue = (c: Column<T>, row: T): CsvValue => {
    if (c.csv) return c.csv(row);
    const v = c.cell(row);
    return typeof v === "string" || typeof v === "number" ? v : "";
  };
  return toCsv(
    columns.map((c) => c.header()),
    rows.map((row) => columns.map((c) => cellValue(c, row))),
  );
}

/** Hand the text to the browser as a file download. */
export function downloadCsv(filename: string, csv: string): void {
  const url = URL.createObjectURL(new Blob([BOM, csv], { type: "text/csv;charset=utf-8" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** "brigade-<name>-<YYYY-MM-DD>.csv" (today, the viewer's calendar). */
export function csvFilename(name: string, today = new Date()): string {
  const day = [today.getFullYear(), today.getMonth() + 1, today.getDate()].map((n) => String(n).padStart(2, "0")).join("-");
  return `brigade-${name}-${day}.csv`;
}

export interface ExportOptions<T> {
  /** Part of the file name, e.g. "team". */
  name: string;
  /** The table's caption: names the button for screen readers. */
  caption: string;
  columns: readonly Column<T>[];
  rows: readonly T[] | null;
}

/** The "Export CSV" button of a table (inactive until its rows are there). */
export function exportButton<T>(o: ExportOptions<T>): TemplateResult {
  const ready = !!o.rows?.length;
  return html`<button
    type="button"
    class="btn btn-secondary btn-small"
    aria-label=${t("csv.exportOf", { table: o.caption })}
    aria-disabled=${ready ? "false" : "true"}
    @click=${() => ready && downloadCsv(csvFilename(o.name), tableCsv(o.columns, o.rows!))}
  >
    ${t("csv.export")}
  </button>`;
}
