/**
 * The review queue of one job: items with low agreement, sampled, or labeled by a paused
 * annotator, each with every annotator's label side by side. Accept the consensus, pick a
 * label, correct the answer or reject it (back to the pool with a comment); the next item
 * follows without a page load. Keys: j/k or ←/→, a, 1–9, c, r, Esc (src/quality/keys.ts).
 * State and actions: src/quality/review.ts; templates: compare.ts, decide.ts, history.ts.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { ReviewItem, ReviewReason } from "../api/types";
import { t } from "../i18n";
import { formatNumber } from "../i18n/format";
import { comparison } from "../quality/compare";
import { actionBar, correctPanel, rejectForm } from "../quality/decide";
import { itemContent } from "../quality/figure";
import { historyView } from "../quality/history";
import { isFormTarget, reviewCommand } from "../quality/keys";
import { hasMore, pendingCount } from "../quality/queue";
import { createReview, type ReviewController } from "../quality/review";
import { qualityLabel } from "../quality/vocab";
import { badge, errorAlert, spinner } from "../ui/components";
import type { PageFactory } from "../ui/page";
import { isClassification, shortcutMap } from "../work/labels";

const REASONS: readonly ReviewReason[] = ["low_agreement", "sampled", "annotator_paused"];

function itemBadge(item: ReviewItem, done: boolean): TemplateResult {
  const c = item.consensus;
  if (done && c) return badge(qualityLabel("state", c.state), c.state === "rework" ? "danger" : "success");
  return badge(c?.review_reason ? qualityLabel("reason", c.review_reason) : qualityLabel("state", c?.state ?? "review"), "warning");
}

function queueList(r: ReviewController): TemplateResult {
  const s = r.state;
  const q = { ids: s.items.map((i) => i.item_id), done: s.done };
  return html`<nav class="qa-queue" aria-label=${t("quality.queueNav")}>
    <p class="qa-queue-count">${t("quality.waiting", { n: formatNumber(s.waiting) })}</p>
    <ol>
      ${s.items.map(
        (item, i) => html`<li>
          <button type="button" class="qa-queue-item" aria-current=${i === s.index ? "true" : nothing} data-item=${item.item_id} @click=${() => r.go(i)}>
            <span>${t("quality.itemN", { id: String(item.item_id) })}</span> ${itemBadge(item, s.done.has(item.item_id))}
          </button>
        </li>`,
      )}
    </ol>
    ${hasMore(q, s.waiting)
      ? html`<button type="button" class="btn btn-secondary btn-small" aria-disabled=${s.loadingMore ? "true" : "false"} @click=${() => void r.loadMore()}>
          ${t("quality.loadMore")}
        </button>`
      : nothing}
  </nav>`;
}

function reasonFilter(r: ReviewController): TemplateResult {
  return html`<div class="field qa-inline-field">
    <label for="qa-reason">${t("quality.reasonFilter")}</label>
    <select id="qa-reason" @change=${(e: Event) => r.setReason((e.target as HTMLSelectElement).value as ReviewReason | "")}>
      <option value="" ?selected=${r.state.reason === ""}>${t("quality.reasonAll")}</option>
      ${REASONS.map((x) => html`<option value=${x} ?selected=${r.state.reason === x}>${qualityLabel("reason", x)}</option>`)}
    </select>
  </div>`;
}

/** Correct from the consensus, or from an empty answer when there is none yet. */
function startCorrect(r: ReviewController, item: ReviewItem): void {
  const answer = item.consensus?.answer ?? null;
  r.startCorrect(answer, t(answer !== null ? "quality.consensus" : "quality.blank"));
}

function itemView(r: ReviewController, item: ReviewItem, meId: string): TemplateResult {
  const s = r.state;
  const schema = s.job!.label_schema;
  const q = { ids: s.items.map((i) => i.item_id), done: s.done };
  const total = s.items.length + Math.max(0, s.waiting - pendingCount(q));
  const allDone = pendingCount(q) === 0 && !hasMore(q, s.waiting);
  return html`
    ${allDone ? html`<div class="alert alert-info" role="status">${t("quality.allDone")}</div>` : nothing}
    <div class="qa-item-head">
      <h2 id="qa-item-title" tabindex="-1">
        ${t("quality.itemN", { id: String(item.item_id) })} <span class="muted">${t("quality.position", { n: s.index + 1, total })}</span>
      </h2>
      ${itemBadge(item, s.done.has(item.item_id))}
    </div>
    ${s.actionError && s.mode === "compare" ? errorAlert(s.actionError) : nothing}
    ${actionBar({
      canAccept: item.consensus?.answer != null,
      busy: s.busy,
      hasPrev: s.index > 0,
      hasNext: s.index < s.items.length - 1,
      onAccept: r.accept,
      onCorrect: () => startCorrect(r, item),
      onReject: r.startReject,
      onPrev: r.prev,
      onNext: r.next,
    })}
    <p class="visually-hidden" role="status">${s.status}</p>
    ${s.status ? html`<p class="hint" aria-hidden="true">${s.status}</p>` : nothing}
    ${s.mode === "reject"
      ? rejectForm({
          comment: s.comment,
          missing: s.commentMissing,
          busy: s.busy,
          error: s.actionError,
          onComment: r.setComment,
          onSubmit: r.submitReject,
          onCancel: r.cancel,
        })
      : nothing}
    ${s.mode === "correct"
      ? correctPanel({
          item,
          schema,
          work: s.work,
          from: s.from,
          busy: s.busy,
          error: s.actionError,
          classMissing: s.classMissing,
          shapeHost: r.shapeHost(),
          onPick: r.correctPick,
          onDeleteSpan: r.deleteSpan,
          onDeleteShape: () => void r.deleteShape(),
          onSave: r.saveCorrection,
          onCancel: r.cancel,
        })
      : nothing}
    ${isClassification(schema) ? itemContent(item) : nothing}
    ${comparison({ item, schema, busy: s.busy, onPick: r.pick, onEditFrom: r.startCorrect })}
    ${historyView(item, schema, meId)}
  `;
}

const qualityReviewPage: PageFactory = (ctx) => {
  const r = createReview(ctx);
  const s = r.state;
  const meId = String(ctx.me.id);

  function onKey(e: KeyboardEvent): void {
    if (e.defaultPrevented || !s.job || !r.current()) return;
    const inField = isFormTarget(e.target);
    const plain = !e.ctrlKey && !e.metaKey && !e.altKey;
    if (s.mode === "correct") {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        r.saveCorrection();
        return;
      }
      if (plain && !inField) {
        const name = shortcutMap(s.job.label_schema.labels).get(e.key.toLowerCase());
        if (name) {
          e.preventDefault();
          r.correctPick(name);
          return;
        }
        if ((e.key === "Delete" || e.key === "Backspace") && r.deleteShape()) {
          e.preventDefault();
          return;
        }
      }
    }
    const cmd = reviewCommand(e, s.mode, inField);
    if (!cmd) return;
    e.preventDefault();
    if (cmd.kind === "next") r.next();
    else if (cmd.kind === "prev") r.prev();
    else if (cmd.kind === "accept") r.accept();
    else if (cmd.kind === "correct") startCorrect(r, r.current()!);
    else if (cmd.kind === "reject") r.startReject();
    else if (cmd.kind === "cancel") r.cancel();
    else if (cmd.kind === "pick") {
      const label = r.current()?.labels[cmd.n - 1];
      if (label && !s.busy) r.pick(label);
    }
  }

  document.addEventListener("keydown", onKey);
  void r.load();

  return {
    view() {
      const jobHref = `/quality/jobs/${encodeURIComponent(ctx.params.id ?? "")}`;
      const back = html`<p><a href=${jobHref}>${t("quality.backToDashboard")}</a></p>`;
      if (s.error) return html`${back}${errorAlert(s.error, () => void r.load())}`;
      if (!s.job) return html`${back}${spinner()}`;
      const item = r.current();
      return html`${back}
        <div class="qa-job-head">
          <h2 class="qa-job-name">${s.job.name}</h2>
          ${reasonFilter(r)}
        </div>
        ${s.loading
          ? spinner()
          : !item
            ? html`<div class="alert alert-info" role="status">${t("quality.queueEmpty")}</div>`
            : html`<div class="qa-review">
                ${queueList(r)}
                <div class="qa-main">${itemView(r, item, meId)}</div>
              </div>`}`;
    },
    destroy() {
      document.removeEventListener("keydown", onKey);
      r.destroy();
    },
  };
};

export default qualityReviewPage;
