/**
 * The one ECharts wrapper of the stats pages: line and bar series over periods, drawn on a
 * canvas that follows its container's size and is disposed when the page is left. Only the
 * parts used are registered (tree-shaken), and only the stats pages import this module, so
 * ECharts is in their lazy chunks, never in the shell.
 *
 * To screen readers a chart is one image named by `label`; the table beside it has the numbers.
 */
import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  TooltipComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type TooltipComponentOption,
} from "echarts/components";
import { init, use, type ComposeOption, type ECharts } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import { html, type TemplateResult } from "lit-html";
import { ref } from "lit-html/directives/ref.js";
import { getLocale } from "../i18n";

use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

type Option = ComposeOption<
  LineSeriesOption | BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption
>;

/** Series colours: the app's blue, green and amber, each ≥ 3:1 on white (non-text contrast). */
const COLORS = ["#1e40af", "#15803d", "#b45309", "#7c3aed", "#be123c"];
const TEXT = "#374151";
const FONT = 'system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif';

export interface ChartSeries {
  name: string;
  type: "line" | "bar";
  data: readonly (number | null)[];
  /** 1: the right-hand axis (e.g. money next to counts). */
  axis?: 0 | 1;
}

export interface ChartSpec {
  /** The chart's accessible name, e.g. "Labels and accepted per day". */
  label: string;
  categories: readonly string[];
  series: readonly ChartSeries[];
  /** Value formatters for the left and right axes and tooltips (default: plain numbers). */
  format?: readonly ((v: number) => string)[];
}

function option(spec: ChartSpec): Option {
  const fmt = (axis: number) => spec.format?.[axis] ?? ((v: number) => new Intl.NumberFormat(getLocale()).format(v));
  const twoAxes = spec.series.some((s) => s.axis === 1);
  const axis = (i: number) => ({
    type: "value" as const,
    axisLabel: { color: TEXT, formatter: (v: number) => fmt(i)(v) },
    splitLine: { show: i === 0, lineStyle: { color: "#e5e7eb" } },
  });
  return {
    color: COLORS,
    textStyle: { fontFamily: FONT, color: TEXT },
    animation: !globalThis.matchMedia?.("(prefers-reduced-motion: reduce)").matches,
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    legend: { top: 0, textStyle: { color: TEXT } },
    tooltip: {
      trigger: "axis",
      valueFormatter: (v) => (typeof v === "number" ? fmt(0)(v) : String(v ?? "")),
    },
    xAxis: { type: "category", data: [...spec.categories], axisLabel: { color: TEXT }, axisTick: { alignWithLabel: true } },
    yAxis: twoAxes ? [axis(0), axis(1)] : axis(0),
    series: spec.series.map((s) => {
      const common = {
        name: s.name,
        data: [...s.data],
        yAxisIndex: twoAxes ? (s.axis ?? 0) : 0,
        tooltip: { valueFormatter: (v: unknown) => (typeof v === "number" ? fmt(s.axis ?? 0)(v) : "") },
      };
      return s.type === "bar"
        ? ({ ...common, type: "bar", barMaxWidth: 28 } satisfies BarSeriesOption)
        : ({ ...common, type: "line", symbolSize: 6, connectNulls: true } satisfies LineSeriesOption);
    }),
  };
}

/**
 * One chart of a page: `view(spec)` in the page's template (call it on every render; the
 * option is set again only when the data, labels or language changed), `dispose()` in the
 * page's destroy(). The container carries data-state="ready" once ECharts finished drawing.
 */
export class StatsChart {
  private el: HTMLElement | null = null;
  private chart: ECharts | null = null;
  private resize: ResizeObserver | null = null;
  private spec: ChartSpec | null = null;
  private drawn = "";

  /** Stable, so lit calls it only when the element changes (connected, or gone: undefined). */
  private readonly attach = (el?: Element): void => {
    if (el === this.el) return;
    this.dispose();
    if (!(el instanceof HTMLElement)) return;
    this.el = el;
    this.chart = init(el, undefined, { renderer: "canvas", locale: getLocale() === "en" ? "EN" : "ZH" });
    this.chart.on("finished", () => {
      if (this.el) this.el.dataset.state = "ready";
    });
    this.resize = new ResizeObserver(() => this.chart?.resize());
    this.resize.observe(el);
    this.apply();
  };

  view(spec: ChartSpec, className = "chart"): TemplateResult {
    this.spec = spec;
    queueMicrotask(() => this.apply());
    return html`<div class=${className} role="img" aria-label=${spec.label} data-series=${spec.series.length} ${ref(this.attach)}></div>`;
  }

  private apply(): void {
    if (!this.chart || !this.spec) return;
    const key = JSON.stringify([getLocale(), this.spec.label, this.spec.categories, this.spec.series]);
    if (key === this.drawn) return;
    this.drawn = key;
    this.chart.setOption(option(this.spec), { notMerge: true });
  }

  dispose(): void {
    this.resize?.disconnect();
    this.resize = null;
    this.chart?.dispose();
    this.chart = null;
    this.el = null;
    this.drawn = "";
  }
}
