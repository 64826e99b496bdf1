/**
 * Table columns over work rows (`GET /stats/work`), shared by every stats page: each shows
 * the locale's formatting, exports the raw figure to CSV and sorts by it.
 */
import type { Granularity, WorkRow } from "../api/types";
import { t, type MessageKey } from "../i18n";
import type { Column } from "../ui/table";
import { count, hours, money, periodName, rate, share } from "./format";

export type WorkField =
  | "labels"
  | "accepted"
  | "rejected"
  | "pending"
  | "skips"
  | "gold_labels"
  | "active_hours"
  | "labels_per_active_hour"
  | "gold_accuracy"
  | "agreement"
  | "earned";

const HEADERS: Record<WorkField, MessageKey> = {
  labels: "stats.labels",
  accepted: "stats.accepted",
  rejected: "stats.rejected",
  pending: "stats.pending",
  skips: "stats.skips",
  gold_labels: "stats.goldLabels",
  active_hours: "stats.activeHours",
  labels_per_active_hour: "stats.perHour",
  gold_accuracy: "stats.goldAccuracy",
  agreement: "stats.agreement",
  earned: "stats.earned",
};

/** A ratio the server may not send yet (older server): undefined → "—", not 0. */
function optional(v: number | null | undefined): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

export function workColumn(field: WorkField): Column<WorkRow> {
  const header = () => t(HEADERS[field]);
  switch (field) {
    case "active_hours":
      return { header, cell: (r) => hours(r.active_hours), csv: (r) => r.active_hours, sort: (r) => r.active_hours, numeric: true, nowrap: true };
    case "labels_per_active_hour":
      return { header, cell: (r) => rate(r.labels_per_active_hour), csv: (r) => r.labels_per_active_hour, sort: (r) => r.labels_per_active_hour, numeric: true };
    case "gold_accuracy":
    case "agreement":
      return { header, cell: (r) => share(r[field]), csv: (r) => optional(r[field]), sort: (r) => optional(r[field]), numeric: true };
    case "earned":
      return { header, cell: (r) => money(r.earned), csv: (r) => r.earned, sort: (r) => Number(r.earned), numeric: true, nowrap: true };
    default:
      return { header, cell: (r) => count(r[field]), csv: (r) => r[field], sort: (r) => r[field], numeric: true };
  }
}

export function periodColumn(granularity: Granularity): Column<WorkRow> {
  return {
    header: () => t(granularity === "month" ? "stats.month" : granularity === "week" ? "stats.week" : "stats.day"),
    cell: (r) => periodName(r.period, granularity, r.hour),
    csv: (r) => (typeof r.hour === "number" ? `${r.period} ${String(r.hour).padStart(2, "0")}:00` : r.period),
    sort: (r) => `${r.period}${String(r.hour ?? 0).padStart(2, "0")}`,
    rowHeader: true,
    nowrap: true,
  };
}

/** The group's name (annotator, team, vendor, job); its id when the name is not shown, and
 * `noneKey`'s text for the group of rows without one (annotators in no team). */
export function nameColumn(headerKey: MessageKey, noneKey: MessageKey = "common.empty"): Column<WorkRow> {
  const name = (r: WorkRow) => r.name || r.key || t(noneKey);
  return { header: () => t(headerKey), cell: name, csv: name, sort: name, rowHeader: true };
}

export function workColumns(fields: readonly WorkField[]): Column<WorkRow>[] {
  return fields.map(workColumn);
}
