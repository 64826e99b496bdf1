/** The building blocks of a stats page: a table section with its heading, tools and "Export
 * CSV" button; a chart card; and the client-side sort a table keeps. */
import { html, nothing, type TemplateResult } from "lit-html";
import { t } from "../i18n";
import { exportButton } from "../ui/csv";
import { dataTable, nextSort, sortRows, type Column, type SortState, type TableOptions } from "../ui/table";
import type { ChartSpec, StatsChart } from "./chart";

export interface StatsTableOptions<T> extends TableOptions<T> {
  /** id of the section's heading (the section is labelled by it). */
  id: string;
  heading: string;
  /** File name part of the CSV ("team", "my-stats", ...). */
  csvName: string;
  intro?: string | TemplateResult;
  /** What the CSV holds when it differs from what is shown (e.g. a bar's numbers apart). */
  csvColumns?: readonly Column<T>[];
  /** Controls shown beside the heading (choosers, links). */
  tools?: TemplateResult;
  after?: TemplateResult | typeof nothing;
}

export function statsTable<T>(o: StatsTableOptions<T>): TemplateResult {
  return html`<section class="section stats-table" aria-labelledby=${o.id}>
    <div class="stats-head">
      <h2 id=${o.id}>${o.heading}</h2>
      <div class="stats-tools">
        ${o.tools ?? nothing} ${exportButton({ name: o.csvName, caption: o.caption, columns: o.csvColumns ?? o.columns, rows: o.loading ? null : o.rows })}
      </div>
    </div>
    ${o.intro ? html`<p class="hint">${o.intro}</p>` : nothing} ${dataTable(o)} ${o.after ?? nothing}
  </section>`;
}

/** A chart in a card; a placeholder of the same size until its data is there. */
export function chartCard(id: string, heading: string, chart: StatsChart, spec: ChartSpec | null, tools?: TemplateResult): TemplateResult {
  return html`<section class="card stats-chart-card" aria-labelledby=${id}>
    <div class="stats-head">
      <h2 id=${id}>${heading}</h2>
      ${tools ? html`<div class="stats-tools">${tools}</div>` : nothing}
    </div>
    ${spec ? chart.view(spec) : html`<div class="chart chart-placeholder" aria-hidden="true"></div>`}
  </section>`;
}

/** A table's sort, kept by the page across reloads and re-renders. */
export class TableSort<T> {
  constructor(
    private readonly columns: readonly Column<T>[],
    public state: SortState | null,
    private readonly update: () => void,
  ) {}

  readonly onSort = (index: number): void => {
    this.state = nextSort(this.state, index, this.columns);
    this.update();
  };

  rows(rows: readonly T[] | null): T[] | null {
    return rows ? sortRows(rows, this.columns, this.state) : null;
  }
}

/** A labelled <select> of a page's toolbar. */
export function chooser<V extends string>(
  id: string,
  label: string,
  value: V,
  options: readonly { value: V; label: string }[],
  onChange: (v: V) => void,
): TemplateResult {
  return html`<div class="field stats-chooser">
    <label for=${id}>${label}</label>
    <select id=${id} @change=${(e: Event) => onChange((e.target as HTMLSelectElement).value as V)}>
      ${options.map((o) => html`<option value=${o.value} ?selected=${o.value === value}>${o.label}</option>`)}
    </select>
  </div>`;
}

/** A chart of recent work drawn by day or, over its last days, by hour. */
export type ChartStep = "day" | "hour";

/** The chart's name for a step: "last {days} days, by day" or "…, by hour". */
export function stepLabel(step: ChartStep, days: number, hourlyDays: number): string {
  return step === "hour" ? t("stats.chartHourly", { days: hourlyDays }) : t("stats.chartDaily", { days });
}

/** The toolbar's by-day / by-hour choice of such a chart. */
export function stepChooser(id: string, step: ChartStep, days: number, hourlyDays: number, onChange: (v: ChartStep) => void): TemplateResult {
  const options = (["day", "hour"] as const).map((value) => ({ value, label: stepLabel(value, days, hourlyDays) }));
  return chooser(id, t("stats.period"), step, options, onChange);
}
