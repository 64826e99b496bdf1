/**
 * The workstation's screens: the item being labeled, the empty/offline/error states, the session
 * and queue panels. Reads the page state (state.ts); every change goes through `WorkActions`.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { ref } from "lit-html/directives/ref.js";
import type { Assignment, JobDetail, WorkItem } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { formatDateTime, formatDuration, formatNumber } from "../i18n/format";
import { errorAlert, errorMessage, spinner } from "../ui/components";
import { formatCountdown, leaseLevel, type ActiveClock } from "./activity";
import { emptyWork, isShapeKind, isSupported, type ItemWork } from "./labels";
import { summariseOthers } from "./others";
import type { FailedSubmission } from "./queue";
import { formatPercent, goldSummary, standingNotices } from "./standing";
import type { WorkState } from "./state";
import { itemTools, othersPanel, pendingList, reworkNote } from "./tools";
import { labelPalette, skipForm, spanList, spanText } from "./views";

/** What the screens can ask the page to do. */
export interface WorkActions {
  update(): void;
  loadNext(): void;
  retryNow(): void;
  dismissFailed(): void;
  submit(): void;
  skip(): void;
  openSkip(): void;
  closeSkip(): void;
  pick(item: WorkItem, name: string): void;
  setWork(itemId: number, work: ItemWork): void;
  /** A stable ref callback for the element the item's box/polygon editor lives in. */
  shapeHost(item: WorkItem): (el: Element | undefined) => void;
  /** A stable ref callback for the viewport an image is zoomed and panned in. */
  zoomHost(item: WorkItem): (el: Element | undefined) => void;
  undo(itemId: number): void;
  redo(itemId: number): void;
  canUndo(itemId: number): boolean;
  canRedo(itemId: number): boolean;
  zoomBy(itemId: number, direction: 1 | -1): void;
  zoomFit(itemId: number): void;
}

export interface ScreenProps {
  state: WorkState;
  clock: ActiveClock;
  actions: WorkActions;
  /** `?job=<id>`: the job the annotator stays on. */
  jobFilter: string | undefined;
}

function itemView({ state, actions }: ScreenProps, item: WorkItem, index: number, total: number, job: JobDetail): TemplateResult {
  const schema = job.label_schema;
  const work = state.works.get(item.id) ?? emptyWork();
  const active = index === state.activeItem;
  const setActive = (i: number) => {
    if (state.activeItem !== i) {
      state.activeItem = i;
      actions.update();
    }
  };
  const image = item.kind === "image" && !!item.image_url;
  const content = image
    ? state.brokenImages.has(item.id)
      ? html`<div class="alert alert-error image-failed" role="alert">${t(state.reachable ? "work.imageFailed" : "work.imageOffline")}</div>`
      : html`<div class="zoom-viewport" data-item=${item.id} ${ref(actions.zoomHost(item))}>
          ${isShapeKind(schema)
            ? html`<div class="shape-stage zoom-content" data-item=${item.id} data-shapes=${work.boxes.length + work.polygons.length} ${ref(actions.shapeHost(item))}></div>`
            : html`<img
                class="item-image zoom-content"
                src=${item.image_url}
                alt=${t("work.imageAlt", { n: index + 1 })}
                width=${item.width ?? nothing}
                height=${item.height ?? nothing}
                draggable="false"
                @error=${() => {
                  state.brokenImages.add(item.id);
                  state.skipReason = "bad_data";
                  actions.update();
                }}
              />`}
        </div>`
    : schema.kind === "text_spans"
      ? spanText(item, schema, work.spans)
      : html`<div class="item-text" aria-label=${t("work.textRegion")}>${item.text ?? ""}</div>`;
  const others = state.assignment?.others;
  const rework = state.assignment?.rework?.find((r) => r.item_id === item.id);
  const size = item.width && item.height ? { width: item.width, height: item.height } : undefined;
  const tools = isSupported(schema)
    ? itemTools({
        itemId: item.id,
        canUndo: actions.canUndo(item.id),
        canRedo: actions.canRedo(item.id),
        onUndo: () => actions.undo(item.id),
        onRedo: () => actions.redo(item.id),
        ...(image && !state.brokenImages.has(item.id)
          ? {
              zoom: {
                scale: state.zoom.get(item.id) ?? 1,
                onIn: () => actions.zoomBy(item.id, 1),
                onOut: () => actions.zoomBy(item.id, -1),
                onFit: () => actions.zoomFit(item.id),
              },
            }
          : {}),
      })
    : nothing;
  return html`<article class="card work-item ${active ? "is-active" : ""}" @focusin=${() => setActive(index)} @pointerdown=${() => setActive(index)}>
    ${total > 1 ? html`<h3>${t("work.itemOf", { n: index + 1, total })}</h3>` : nothing}
    ${rework ? reworkNote(item.id, rework.note) : nothing} ${tools} ${content}
    ${isSupported(schema)
      ? html`${labelPalette({ schema, work, itemId: item.id, keepSelection: schema.kind === "text_spans", onPick: (name) => actions.pick(item, name) })}
        ${schema.kind === "text_spans"
          ? spanList(item, schema, work.spans, (i) => actions.setWork(item.id, { ...work, spans: work.spans.filter((_, j) => j !== i) }))
          : nothing}`
      : nothing}
    ${others ? othersPanel(item, schema, summariseOthers(schema, others, item.id, size)) : nothing}
  </article>`;
}

function leaseView(state: WorkState): TemplateResult {
  const left = state.leaseUntil - Date.now();
  const level = leaseLevel(left);
  // The ticking countdown is not announced; its warnings are, once each (the text only changes
  // when the level does).
  return html`${left > 0
      ? html`<span class="lease ${level === "low" ? "lease-low" : ""}">${t("work.leaseLeft", { time: formatCountdown(left) })}</span>`
      : html`<span class="lease lease-expired">${t("work.leaseExpired")}</span>`}
    <span class="visually-hidden" aria-live="assertive">${level === "low" ? t("work.leaseLowAlert") : level === "expired" ? t("work.leaseExpiredAlert") : ""}</span>`;
}

function draftView(state: WorkState): TemplateResult | typeof nothing {
  if (state.draft === "saving") return html`<span class="muted">${t("work.draftSaving")}</span>`;
  if (state.draft === "saved") return html`<span class="muted">${t("work.draftSaved")}</span>`;
  if (state.draft === "local") return html`<span class="muted">${t("work.draftLocal")}</span>`;
  if (state.draft === "failed") return html`<span class="field-error">${t("work.draftFailed", { detail: errorMessage(state.draftError) })}</span>`;
  return nothing;
}

/** The job the session panel speaks about: the one shown, else the one asked for, else the last one. */
function currentJobId(state: WorkState, jobFilter: string | undefined): string | null {
  return state.assignment?.job_id ?? jobFilter ?? (state.job ? String(state.job.id) : null);
}

function goldView(state: WorkState, jobId: string | null): TemplateResult | typeof nothing {
  const gold = goldSummary(state.standing?.find((r) => r.job_id === jobId));
  if (!gold) return nothing;
  const interval = gold.ci ? t("work.goldInterval", { low: formatPercent(gold.ci[0]), high: formatPercent(gold.ci[1]) }) : "";
  return html`<div class="gold-accuracy">
    <dt>${t("work.goldAccuracy")}</dt>
    <dd title=${interval || nothing}>
      ${t("work.goldValue", { pct: formatPercent(gold.accuracy), correct: gold.correct, total: gold.total })}
      ${interval ? html`<span class="gold-interval">${interval}</span>` : nothing}
    </dd>
  </div>`;
}

function sessionView({ state, clock, jobFilter }: ScreenProps): TemplateResult {
  const active = state.sessionActiveMs + (state.phase === "working" ? clock.elapsed(Date.now()) : 0);
  return html`<dl class="session-stats" aria-label=${t("work.sessionHeading")}>
    <div><dt>${t("work.sessionLabels")}</dt><dd>${formatNumber(state.sessionCount)}</dd></div>
    <div><dt>${t("work.sessionActive")}</dt><dd>${formatDuration(active)}</dd></div>
    ${goldView(state, currentJobId(state, jobFilter))}
  </dl>`;
}

/** Why the annotator gets no work on a job (paused), and flags as a softer warning. */
function standingView({ state, jobFilter }: ScreenProps): TemplateResult | typeof nothing {
  const noJobs = state.phase === "empty" && state.reason === "no_jobs";
  const { paused, flagged } = standingNotices(state.standing, currentJobId(state, jobFilter), noJobs);
  if (!paused.length && !flagged.length) return nothing;
  return html`${paused.length
      ? html`<div class="alert alert-warning standing-paused" role="status">
          ${paused.map(
            (r) => html`<p>${r.pause_reason ? t("work.pausedOn", { job: r.job_name, reason: r.pause_reason }) : t("work.pausedOnNoReason", { job: r.job_name })}</p>`,
          )}
          <p>${t("work.pausedHelp")}</p>
        </div>`
      : nothing}
    ${flagged.map(
      (r) => html`<p class="standing-flagged">
        <span class="badge badge-warning">${t("work.flaggedBadge")}</span>
        ${r.flag_reason ? t("work.flaggedOn", { job: r.job_name, reason: r.flag_reason }) : t("work.flaggedOnNoReason", { job: r.job_name })}
      </p>`,
    )}`;
}

function workingView(props: ScreenProps, a: Assignment, job: JobDetail): TemplateResult {
  const { state, actions } = props;
  const schema = job.label_schema;
  return html`
    <div class="work-bar">
      <h2 class="work-job">${job.name}</h2>
      ${leaseView(state)} ${draftView(state)}
    </div>
    <details class="card instructions">
      <summary>${t("work.instructions")}</summary>
      <div class="prose">${job.instructions.trim() || t("work.noInstructions")}</div>
    </details>
    ${isSupported(schema)
      ? nothing
      : html`<div class="alert alert-info" role="status">${t("work.unsupported", { kind: vocabLabel("labelKind", schema.kind) })}</div>`}
    <div id="work-item" tabindex="-1" class="work-items">${a.items.map((it, i) => itemView(props, it, i, a.items.length, job))}</div>
    ${state.actionError ? errorAlert(state.actionError) : nothing}
    ${state.skipOpen
      ? skipForm({
          reason: state.skipReason,
          note: state.skipNote,
          busy: state.busy,
          onReason: (r) => (state.skipReason = r),
          onNote: (n) => (state.skipNote = n),
          onConfirm: () => actions.skip(),
          onCancel: actions.closeSkip,
        })
      : html`<div class="work-actions">
          ${isSupported(schema)
            ? html`<button type="button" class="btn btn-primary" aria-disabled=${state.busy ? "true" : "false"} aria-keyshortcuts="Enter Control+Enter" @click=${() => actions.submit()}>
                ${state.busy ? t("work.submitting") : t("work.submit")}
              </button>`
            : nothing}
          <button id="skip-button" type="button" class="btn btn-secondary" aria-keyshortcuts="S" @click=${actions.openSkip}>${t("work.skip")}</button>
          <span class="hint">${t("work.keysHelp")}</span>
        </div>`}
  `;
}

function offlineView({ state, actions }: ScreenProps): TemplateResult {
  return html`<section class="card" aria-labelledby="work-offline">
    <h2 id="work-offline">${t("work.offlineTitle")}</h2>
    <p>${state.pending > 0 ? t("work.offlineQueued") : t("work.offlineBody")}</p>
    <button type="button" class="btn btn-secondary" @click=${actions.retryNow}>${t("work.retryNow")}</button>
  </section>`;
}

function emptyView({ state, actions }: ScreenProps): TemplateResult {
  return html`<section class="card" aria-labelledby="work-empty">
    <h2 id="work-empty">${t("work.emptyTitle")}</h2>
    <p>${state.reason ? t(`work.empty.${state.reason}`) : t("work.emptyTitle")}</p>
    <button type="button" class="btn btn-secondary" @click=${() => actions.loadNext()}>${t("work.checkAgain")}</button>
  </section>`;
}

function mainView(props: ScreenProps): TemplateResult {
  const { state, actions } = props;
  switch (state.phase) {
    case "loading":
      return spinner(t("work.loading"));
    case "error":
      return errorAlert(state.error, () => actions.loadNext());
    case "offline":
      return offlineView(props);
    case "empty":
      return emptyView(props);
    case "working":
      return state.assignment && state.job ? workingView(props, state.assignment, state.job) : spinner();
  }
}

function failedReason(f: FailedSubmission): string {
  if (f.reason === "LeaseLost") return t("work.failedLeaseLost");
  if (f.status === 422) return t("work.failedInvalid", { detail: f.detail || f.reason });
  if (f.status === 409) return t("work.failedConflict", { detail: f.detail || f.reason });
  return t("work.failedOther", { detail: f.detail || f.reason });
}

function queueView({ state, actions }: ScreenProps): TemplateResult | typeof nothing {
  if (state.pending === 0 && state.failed.length === 0 && state.reachable) return nothing;
  return html`<section class="queue-panel card" aria-label=${t("work.queueHeading")}>
    <p class="queue-line">
      ${state.reachable ? nothing : html`<span class="badge badge-warning">${t("work.offlineBadge")}</span>`}
      <span class="pending-count" role="status">${t("work.pendingCount", { n: state.pending })}</span>
      ${state.pending > 0 ? html`<button type="button" class="btn btn-secondary btn-small" @click=${actions.retryNow}>${t("work.retryNow")}</button>` : nothing}
    </p>
    ${pendingList(state.pendingList)}
    ${state.failed.length
      ? html`<details class="failed-list" open>
          <summary class="field-error">${t("work.failedCount", { n: state.failed.length })}</summary>
          <p class="muted">${t("work.failedHelp")}</p>
          <ul>
            ${state.failed.map(
              (f) => html`<li>
                ${t("work.failedItem", { id: String(f.assignment_id), time: formatDateTime(f.failed_at) })}
                — ${failedReason(f)}
              </li>`,
            )}
          </ul>
          <button type="button" class="btn btn-secondary btn-small" @click=${() => actions.dismissFailed()}>${t("work.failedDismiss")}</button>
        </details>`
      : nothing}
  </section>`;
}

/** The whole page; the data-* attributes are hooks for the browser tests. */
export function workstationView(props: ScreenProps): TemplateResult {
  const { state } = props;
  return html`<div
    class="workstation"
    data-prefetched=${state.prefetched.length}
    data-pending=${state.pending}
    data-failed=${state.failed.length}
    data-online=${state.reachable ? "true" : "false"}
  >
    ${sessionView(props)} ${standingView(props)} ${queueView(props)}
    <p class="work-status" role="status" aria-live="polite">${state.status}</p>
    ${mainView(props)}
  </div>`;
}
