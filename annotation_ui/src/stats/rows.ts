/**
 * Work rows (`GET /stats/work`) added up in the browser: per group over a period chooser's
 * span, or per vendor over a year. Counts add; money adds exactly (decimal strings, never
 * floats); the ratios are computed again from the sums.
 */
import type { Decimal, WorkRow } from "../api/types";

/** Exact sum of decimal strings such as "12.3400" and "0.5" (scaled integers). */
export function addDecimals(...values: readonly (Decimal | null | undefined)[]): Decimal {
  const parsed = values
    .filter((v): v is string => typeof v === "string" && v.trim() !== "")
    .map((v) => {
      const m = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(v.trim());
      if (!m) throw new Error(`not a decimal: ${v}`);
      return { neg: m[1] === "-", whole: m[2] || "0", frac: m[3] ?? "" };
    });
  const scale = Math.max(0, ...parsed.map((p) => p.frac.length));
  let sum = 0n;
  for (const p of parsed) {
    const n = BigInt(p.whole + p.frac.padEnd(scale, "0"));
    sum += p.neg ? -n : n;
  }
  const neg = sum < 0n;
  const digits = (neg ? -sum : sum).toString().padStart(scale + 1, "0");
  const whole = digits.slice(0, digits.length - scale);
  const frac = scale ? `.${digits.slice(digits.length - scale)}` : "";
  return `${neg ? "-" : ""}${whole}${frac}`;
}

const COUNTS = ["labels", "gold_labels", "accepted", "rejected", "pending", "skips"] as const;
const OPTIONAL = ["gold_judged", "gold_correct", "judged", "agreed"] as const;

function ratio(n: number | undefined, of: number | undefined): number | null | undefined {
  if (n === undefined || of === undefined) return undefined;
  return of > 0 ? n / of : null;
}

/** The sum of rows as one row (period: the first row's; key and name: the first row's). */
export function sumRows(rows: readonly WorkRow[]): WorkRow {
  const first = rows[0];
  const out: WorkRow = {
    period: first?.period ?? "",
    key: first?.key ?? null,
    name: first?.name ?? null,
    labels: 0,
    gold_labels: 0,
    accepted: 0,
    rejected: 0,
    pending: 0,
    skips: 0,
    active_hours: 0,
    lease_hours: 0,
    labels_per_active_hour: null,
    earned: addDecimals(...rows.map((r) => r.earned)),
  };
  for (const r of rows) {
    for (const c of COUNTS) out[c] += r[c];
    out.active_hours += r.active_hours;
    out.lease_hours += r.lease_hours;
  }
  // Newer servers' quality counts: only when every row has them.
  for (const c of OPTIONAL) {
    if (rows.length && rows.every((r) => typeof r[c] === "number")) out[c] = rows.reduce((s, r) => s + (r[c] ?? 0), 0);
  }
  out.active_hours = Math.round(out.active_hours * 1000) / 1000;
  out.lease_hours = Math.round(out.lease_hours * 1000) / 1000;
  out.labels_per_active_hour = out.active_hours > 0 ? Math.round((out.labels / out.active_hours) * 100) / 100 : null;
  const gold = ratio(out.gold_correct, out.gold_judged);
  const agreement = ratio(out.agreed, out.judged);
  if (gold !== undefined) out.gold_accuracy = gold;
  if (agreement !== undefined) out.agreement = agreement;
  return out;
}

/** One summed row per group key, in order of first appearance. */
export function sumByKey(rows: readonly WorkRow[]): WorkRow[] {
  const groups = new Map<string | null, WorkRow[]>();
  for (const r of rows) {
    const g = groups.get(r.key);
    if (g) g.push(r);
    else groups.set(r.key, [r]);
  }
  return [...groups.values()].map(sumRows);
}

/** The rows by period (for one group, e.g. group_by=park): a lookup for chart series. */
export function byPeriod(rows: readonly WorkRow[]): Map<string, WorkRow> {
  return new Map(rows.map((r) => [r.hour === undefined || r.hour === null ? r.period : `${r.period}T${r.hour}`, r]));
}
