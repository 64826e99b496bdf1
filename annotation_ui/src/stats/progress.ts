/**
 * A job's progress (`GET /jobs/{id}/progress`) shown the same way on the job list and the
 * job's page: items done as a bar, the current rate and the estimated finish. Rate and ETA
 * come from newer servers; without them they read "—".
 */
import { html, type TemplateResult } from "lit-html";
import type { JobProgress } from "../api/types";
import { t } from "../i18n";
import { formatDateTime } from "../i18n/format";
import { meter } from "./figures";
import { count, EMPTY, rate } from "./format";

export function doneShare(p: JobProgress): number | null {
  return p.items_total > 0 ? p.items_done / p.items_total : null;
}

export function progressBar(id: string, label: string, p: JobProgress): TemplateResult {
  return meter({
    id,
    label,
    value: count(p.items_done),
    target: count(p.items_total),
    share: doneShare(p),
    text: t("progress.itemsDone", { done: count(p.items_done), total: count(p.items_total) }),
  });
}

export function rateText(p: JobProgress): string {
  return typeof p.rate_per_hour === "number" ? t("progress.perHour", { rate: rate(p.rate_per_hour) }) : EMPTY;
}

/** "Done", the estimated finish, or "—" when there is no recent rate to go by. */
export function etaText(p: JobProgress): string {
  if (p.items_total > 0 && p.items_remaining === 0) return t("progress.finished");
  return p.eta ? formatDateTime(p.eta) : EMPTY;
}

export function etaView(p: JobProgress): TemplateResult | string {
  if (!p.eta || p.items_remaining === 0) return etaText(p);
  return html`<time datetime=${p.eta}>${formatDateTime(p.eta)}</time>`;
}
