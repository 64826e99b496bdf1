/**
 * The annotator's workstation, first slice: next → label → submit (and the next item appears),
 * skip with a reason, lease heartbeat and countdown, draft autosave/restore, active-time
 * accounting and a session counter. Keyboard first: label keys (1–9 or the label's shortcut),
 * Enter / Ctrl+Enter submits, S opens skip. `?job=<id>` keeps the annotator on one job.
 *
 * Never lose work: while online the workstation prefetches up to PREFETCH more assignments
 * (`holding`), so when the network drops the annotator keeps labeling those; a submit that fails
 * because of the network goes to an IndexedDB queue (src/work/queue.ts) and is resent in order,
 * with the same submission id, when the network returns (`online`, a backoff timer, page load).
 * Refused resends (lost lease, invalid) are listed as failed in the queue panel.
 *
 * Labels: text/image classification (single and multi) and text spans. Next slice: image boxes
 * and polygons with Annotorious (today: a "not supported yet" notice + skip).
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { ApiError, isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { Assignment, JobDetail, NextOut, NoWorkReason, SkipReason, WorkItem } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { formatDateTime, formatDuration, formatNumber } from "../i18n/format";
import { errorAlert, errorMessage, spinner } from "../ui/components";
import type { PageFactory } from "../ui/page";
import { ActiveClock, formatCountdown, heartbeatIntervalMs, shouldHeartbeat } from "../work/activity";
import {
  buildAnswer,
  chooseLabel,
  draftAnswers,
  emptyWork,
  isClassification,
  isSupported,
  labelTitle,
  shortcutMap,
  workFromAnswer,
  type ItemWork,
} from "../work/labels";
import { addSpan, selectionToRange, sliceCodePoints } from "../work/spans";
import { backoffMs, flushQueue, shouldQueue, SubmissionStore, type FailedSubmission, type NewSubmission } from "../work/queue";
import { labelPalette, skipForm, spanList, spanText } from "../work/views";

const DRAFT_DEBOUNCE_MS = 1500;
/** Assignments leased ahead of the one shown (the server lets one annotator hold 3 leases). */
const PREFETCH = 2;
const MAX_HOLDING = 3;
/** Jobs by id: name, schema and instructions don't change while someone labels. */
const jobCache = new Map<string, JobDetail>();

type Phase = "loading" | "empty" | "working" | "error" | "offline";

const workPage: PageFactory = (ctx) => {
  const jobFilter = ctx.query.get("job") || undefined;
  const clock = new ActiveClock(Date.now(), document.visibilityState === "visible");
  const state = {
    phase: "loading" as Phase,
    reason: null as NoWorkReason | null,
    error: null as unknown,
    assignment: null as Assignment | null,
    job: null as JobDetail | null,
    works: new Map<number, ItemWork>(),
    activeItem: 0,
    /** Items whose image failed to load (they can be skipped as bad data). */
    brokenImages: new Set<number>(),
    shownAt: "",
    leaseUntil: 0,
    submissionId: "",
    busy: false,
    actionError: null as unknown,
    status: "",
    skipOpen: false,
    skipReason: "unclear" as SkipReason,
    skipNote: "",
    draft: "idle" as "idle" | "saving" | "saved" | "failed",
    draftError: null as unknown,
    sessionCount: 0,
    sessionActiveMs: 0,
    /** Leased ahead, not shown yet: what the annotator can label while offline. */
    prefetched: [] as Assignment[],
    /** Submissions waiting in the offline queue (this user's), and their assignment ids. */
    pending: 0,
    pendingIds: [] as number[],
    failed: [] as FailedSubmission[],
    /** False after a request failed for want of network (or a server error); true after a success. */
    reachable: true,
  };
  const userId = String(ctx.me.id);
  // No IndexedDB (some private modes): submits then behave as before, with an error to retry.
  const storeReady: Promise<SubmissionStore | null> = SubmissionStore.open().catch(() => null);

  /** Re-render, then run `fn` (the shell renders in a microtask queued by update()). */
  function afterRender(fn: () => void): void {
    ctx.update();
    queueMicrotask(fn);
  }

  // ---- loading work ------------------------------------------------------------------------

  async function getJob(id: string): Promise<JobDetail> {
    const cached = jobCache.get(id);
    if (cached) return cached;
    const job = await api.getJob(id, { signal: ctx.signal });
    jobCache.set(id, job);
    return job;
  }

  function fail(err: unknown): void {
    if (isAbort(err) || ctx.signal.aborted) return;
    state.phase = "error";
    state.error = err;
    ctx.update();
  }

  async function loadNext(): Promise<void> {
    state.phase = "loading";
    state.actionError = null;
    ctx.update();
    // Send what is queued first: those leases are still ours and must not come back as "new".
    await flush();
    if (ctx.signal.aborted) return;
    if (state.pending > 0 && !state.reachable) return goOffline();
    try {
      // Queued but unsent assignments are still leased to us: don't get them handed back.
      const holding = state.pendingIds.slice(0, MAX_HOLDING - 1);
      const next = await api.nextAssignment(
        { ...(jobFilter ? { job_id: jobFilter } : {}), ...(holding.length ? { holding } : {}) },
        { signal: ctx.signal },
      );
      reached();
      await show(next);
    } catch (err) {
      if (!ctx.signal.aborted && shouldQueue(err)) return goOffline();
      fail(err);
    }
  }

  /** No work to show and no network to lease more: wait (the retry timer and `online` resume). */
  function goOffline(): void {
    cancelDraft();
    state.assignment = null;
    state.reachable = false;
    state.phase = "offline";
    scheduleRetry();
    ctx.update();
  }

  function reached(): void {
    state.reachable = true;
    retryRound = 0;
  }

  /** Show the next prefetched assignment, or lease one (or say we are offline). */
  async function advance(): Promise<void> {
    const next = state.prefetched.shift();
    if (next) await show({ assignment: next, reason: null });
    else await loadNext();
  }

  // ---- prefetching (holding) ---------------------------------------------------------------

  let prefetching = false;
  async function topUp(): Promise<void> {
    if (prefetching || ctx.signal.aborted) return;
    prefetching = true;
    try {
      while (state.phase === "working" && state.assignment && state.prefetched.length < PREFETCH) {
        const holding = [...new Set([state.assignment.id, ...state.prefetched.map((p) => p.id), ...state.pendingIds])];
        if (holding.length >= MAX_HOLDING) break; // the server would answer holding_max
        const res = await api.nextAssignment({ ...(jobFilter ? { job_id: jobFilter } : {}), holding }, { signal: ctx.signal });
        const got = res.assignment;
        if (!got || holding.includes(got.id) || got.id === state.assignment?.id) break;
        await getJob(got.job_id); // cached now: labeling it must not need the network
        if (!state.prefetched.some((p) => p.id === got.id)) state.prefetched.push(got);
        state.reachable = true;
        ctx.update();
      }
    } catch {
      // A failed prefetch is nothing the annotator needs to see: the current item still works.
    } finally {
      prefetching = false;
    }
    if (!ctx.signal.aborted) ctx.update();
  }

  // ---- the offline queue -------------------------------------------------------------------

  async function refreshQueue(): Promise<void> {
    const store = await storeReady;
    if (!store) return;
    const pending = await store.pending(userId);
    state.pending = pending.length;
    state.pendingIds = pending.map((p) => p.assignment_id);
    state.failed = await store.failed(userId);
    if (!ctx.signal.aborted) ctx.update();
  }

  /** Put a submission in the queue; false when there is no queue (then the caller shows the error). */
  async function enqueue(entry: NewSubmission): Promise<boolean> {
    const store = await storeReady;
    if (!store) return false;
    try {
      await store.add(entry);
    } catch {
      return false;
    }
    await refreshQueue();
    scheduleRetry();
    return true;
  }

  let flushing: Promise<void> | null = null;
  let retryRound = 0;
  let retryTimer = 0;

  /** Send the queue in order (one flush at a time; callers share the running one). */
  function flush(): Promise<void> {
    flushing ??= doFlush().finally(() => (flushing = null));
    return flushing;
  }

  async function doFlush(): Promise<void> {
    const store = await storeReady;
    if (!store || ctx.signal.aborted) return;
    const res = await flushQueue(store, userId, (e) =>
      api.submitAssignment(
        e.assignment_id,
        // The SAME submission id: a resend of something the server already has is replayed.
        { submission_id: e.submission_id, labels: e.labels, active_ms: e.active_ms, started_at: e.started_at, next: false },
        { signal: ctx.signal },
      ),
    ).catch(() => null); // IndexedDB trouble: try again later
    if (ctx.signal.aborted) return;
    if (!res) return scheduleRetry();
    for (const e of res.sent) {
      state.sessionCount += e.labels.length;
      state.sessionActiveMs += e.active_ms;
    }
    if (res.sent.length || res.failed.length) reached();
    if (res.failed.length) ctx.notify(t("work.queueFailedNotice", { n: res.failed.length }), "error");
    if (res.retry) {
      state.reachable = false;
      scheduleRetry(res.retry.retryAfterMs);
    }
    await refreshQueue();
  }

  /** The periodic retry: flush (and lease again when offline) after a growing delay. */
  function scheduleRetry(retryAfterMs: number | null = null): void {
    if (retryTimer || ctx.signal.aborted) return;
    retryRound += 1;
    retryTimer = window.setTimeout(() => {
      retryTimer = 0;
      void flush().then(afterFlush);
    }, backoffMs(retryRound, Math.random(), retryAfterMs));
  }

  function afterFlush(): void {
    if (ctx.signal.aborted) return;
    if (state.pending > 0 && !state.reachable) return scheduleRetry();
    if (state.phase === "offline") void loadNext();
    else if (state.phase === "working") void topUp();
  }

  function retryNow(): void {
    window.clearTimeout(retryTimer);
    retryTimer = 0;
    retryRound = 0;
    void flush().then(afterFlush);
  }

  async function dismissFailed(): Promise<void> {
    const store = await storeReady;
    await store?.clearFailed(userId);
    await refreshQueue();
  }

  async function show(next: NextOut): Promise<void> {
    cancelDraft();
    state.skipOpen = false;
    const a = next.assignment;
    if (!a) {
      state.assignment = null;
      state.phase = "empty";
      state.reason = next.reason;
      ctx.update();
      return;
    }
    const job = await getJob(a.job_id);
    state.prefetched = state.prefetched.filter((p) => p.id !== a.id);
    state.job = job;
    state.assignment = a;
    state.works = new Map(a.items.map((it) => [it.id, workFromAnswer(job.label_schema, a.draft?.[String(it.id)])]));
    state.activeItem = 0;
    state.brokenImages.clear();
    state.shownAt = new Date().toISOString();
    state.leaseUntil = Date.parse(a.lease_expires_at);
    state.submissionId = crypto.randomUUID();
    state.draft = a.draft ? "saved" : "idle";
    state.phase = "working";
    clock.reset(Date.now());
    scheduleHeartbeat();
    afterRender(() => document.getElementById("work-item")?.focus({ preventScroll: true }));
    void topUp();
  }

  // ---- answering ---------------------------------------------------------------------------

  function setWork(itemId: number, work: ItemWork): void {
    state.works.set(itemId, work);
    state.actionError = null;
    scheduleDraft();
    ctx.update();
  }

  function pick(item: WorkItem, name: string): void {
    const schema = state.job?.label_schema;
    if (!schema || !isSupported(schema)) return;
    const work = state.works.get(item.id) ?? emptyWork();
    if (isClassification(schema)) {
      setWork(item.id, chooseLabel(schema, work, name));
      return;
    }
    // Label buttons keep the selection (no mousedown default), so the live selection is the truth.
    const range = readSelection(item);
    if (!range) return say(t("work.spanNoSelection"));
    const added = addSpan(work.spans, { label: name, ...range }, !!schema.allow_overlap);
    if (!added.ok) return say(t(added.error === "overlap" ? "work.spanOverlap" : "work.spanDuplicate"));
    window.getSelection()?.removeAllRanges();
    const def = schema.labels.find((l) => l.name === name);
    say(t("work.spanAdded", { text: sliceCodePoints(item.text ?? "", range.start, range.end), label: def ? labelTitle(def) : name }));
    setWork(item.id, { ...work, spans: added.spans });
  }

  /** The current DOM selection inside this item's text, as code-point offsets. */
  function readSelection(item: WorkItem): { start: number; end: number } | null {
    const root = document.querySelector(`.span-text[data-item="${item.id}"]`);
    const sel = window.getSelection();
    if (!root || !sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    const range = sel.getRangeAt(0);
    if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) return null;
    const utf16 = (node: Node, offset: number) => {
      const r = document.createRange();
      r.selectNodeContents(root);
      r.setEnd(node, offset);
      return r.toString().length;
    };
    return selectionToRange(item.text ?? "", utf16(range.startContainer, range.startOffset), utf16(range.endContainer, range.endOffset));
  }

  function say(message: string): void {
    state.status = message;
    ctx.update();
  }

  async function submit(): Promise<void> {
    const { assignment: a, job } = state;
    if (!a || !job || state.busy || !isSupported(job.label_schema)) return;
    const labels = a.items.map((it) => ({ item_id: it.id, answer: buildAnswer(job.label_schema, state.works.get(it.id) ?? emptyWork()) }));
    if (labels.some((l) => l.answer === null)) return say(t("work.needAnswer"));
    const activeMs = clock.elapsed(Date.now());
    const entry: NewSubmission = {
      // Same id on a retry of this item (and in the queue): the server then returns the first result.
      submission_id: state.submissionId,
      user_id: userId,
      assignment_id: a.id,
      job_id: a.job_id,
      labels: labels.map((l) => ({ item_id: l.item_id, answer: l.answer! })),
      active_ms: activeMs,
      started_at: state.shownAt,
    };
    state.busy = true;
    state.actionError = null;
    ctx.update();
    // Older submissions still wait for the network: queue behind them (keeps the order).
    if (state.pending > 0 && !state.reachable && (await enqueue(entry))) return queued();
    // With prefetched work the next item is already here; otherwise the server picks one.
    const withNext = state.prefetched.length === 0;
    try {
      const res = await api.submitAssignment(
        a.id,
        {
          submission_id: entry.submission_id,
          labels: entry.labels,
          active_ms: activeMs,
          started_at: entry.started_at,
          next: withNext,
          ...(withNext && jobFilter ? { next_job_id: jobFilter } : {}),
        },
        { signal: ctx.signal },
      );
      reached();
      state.sessionCount += res.labels.length;
      state.sessionActiveMs += activeMs;
      state.status = t("work.submitted");
      state.busy = false;
      if (res.next?.assignment) await show(res.next);
      else await advance();
    } catch (err) {
      if (!ctx.signal.aborted && shouldQueue(err) && (await enqueue(entry))) {
        state.reachable = false;
        return queued();
      }
      state.busy = false;
      handleActionError(err);
    }
  }

  /** The submission is safe in the queue: move on to the next item we have (or the offline state). */
  async function queued(): Promise<void> {
    state.busy = false;
    state.status = t("work.queued");
    await advance();
  }

  async function skip(): Promise<void> {
    const a = state.assignment;
    if (!a || state.busy) return;
    state.busy = true;
    ctx.update();
    try {
      const note = state.skipNote.trim();
      const res = await api.skipAssignment(
        a.id,
        {
          reason: state.skipReason,
          ...(note ? { note } : {}),
          next: true,
          ...(jobFilter ? { next_job_id: jobFilter } : {}),
        },
        { signal: ctx.signal },
      );
      state.busy = false;
      state.skipNote = "";
      state.status = t("work.skipped");
      if (res.flagged) ctx.notify(t("work.skipFlagged"), "info");
      if (res.next) await show(res.next);
      else await loadNext();
    } catch (err) {
      state.busy = false;
      handleActionError(err);
    }
  }

  function handleActionError(err: unknown): void {
    if (isAbort(err) || ctx.signal.aborted) return;
    if (err instanceof ApiError && err.status === 409 && err.kind === "LeaseLost") {
      leaseLost();
      return;
    }
    state.actionError = err;
    ctx.update();
  }

  function leaseLost(): void {
    ctx.notify(t("work.leaseLost"), "error");
    void loadNext();
  }

  // ---- lease, drafts, activity -------------------------------------------------------------

  let heartbeatTimer = 0;
  function scheduleHeartbeat(): void {
    window.clearTimeout(heartbeatTimer);
    const job = state.job;
    if (!job || !state.assignment) return;
    heartbeatTimer = window.setTimeout(() => void beat(), heartbeatIntervalMs(job.lease_seconds));
  }

  async function beat(): Promise<void> {
    const a = state.assignment;
    if (!a || state.phase !== "working") return;
    if (shouldHeartbeat(Date.now(), clock.lastInputAt, clock.isVisible)) {
      try {
        const res = await api.heartbeat(a.id, { signal: ctx.signal });
        if (state.assignment?.id === a.id) state.leaseUntil = Date.parse(res.lease_expires_at);
      } catch (err) {
        if (isAbort(err)) return;
        if (err instanceof ApiError && err.status === 409 && state.assignment?.id === a.id) return leaseLost();
        // A missed beat is not fatal: the next one (or a late submit) may still succeed.
      }
      // Keep the prefetched leases too: they are what the annotator labels next (or offline).
      for (const p of [...state.prefetched]) {
        try {
          p.lease_expires_at = (await api.heartbeat(p.id, { signal: ctx.signal })).lease_expires_at;
        } catch (err) {
          if (isAbort(err)) return;
          if (err instanceof ApiError && err.status === 409) state.prefetched = state.prefetched.filter((x) => x.id !== p.id);
        }
      }
    }
    scheduleHeartbeat();
  }

  let draftTimer = 0;
  function cancelDraft(): void {
    window.clearTimeout(draftTimer);
    draftTimer = 0;
  }
  function scheduleDraft(): void {
    cancelDraft();
    draftTimer = window.setTimeout(() => void saveDraft(), DRAFT_DEBOUNCE_MS);
  }

  async function saveDraft(signal: AbortSignal | undefined = ctx.signal): Promise<void> {
    draftTimer = 0;
    const { assignment: a, job } = state;
    if (!a || !job) return;
    state.draft = "saving";
    ctx.update();
    try {
      await api.saveDraft(a.id, draftAnswers(job.label_schema, state.works), { signal });
      if (state.assignment?.id === a.id) state.draft = "saved";
    } catch (err) {
      if (isAbort(err)) return;
      if (state.assignment?.id === a.id) {
        state.draft = "failed";
        state.draftError = err;
      }
    }
    if (!ctx.signal.aborted) ctx.update();
  }

  const onActivity = () => clock.input(Date.now());
  const onOffline = () => {
    state.reachable = false;
    ctx.update();
  };
  const onVisibility = () => {
    const visible = document.visibilityState === "visible";
    clock.setVisible(visible, Date.now());
    if (!visible && draftTimer) void saveDraft(); // leaving the tab: save now, not in 1.5 s
  };

  function onKey(e: KeyboardEvent): void {
    onActivity();
    if (e.defaultPrevented || e.isComposing || state.phase !== "working" || state.skipOpen) return;
    const target = e.target as HTMLElement | null;
    if (target?.closest("input, textarea, select, [contenteditable]")) return;
    const { assignment: a, job } = state;
    if (!a || !job) return;
    if (e.key === "Enter" && !e.shiftKey && !e.altKey) {
      // Plain Enter on other buttons (Skip, Delete) keeps its usual meaning; label buttons toggle with Space.
      if (!(e.ctrlKey || e.metaKey) && target?.closest("button, a") && !target.closest(".label-btn")) return;
      e.preventDefault();
      void submit();
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const key = e.key.toLowerCase();
    const label = shortcutMap(job.label_schema.labels).get(key);
    const item = a.items[state.activeItem];
    if (label && item && isSupported(job.label_schema)) {
      e.preventDefault();
      pick(item, label);
    } else if (key === "s") {
      e.preventDefault();
      openSkip();
    }
  }

  function openSkip(): void {
    state.skipOpen = true;
    afterRender(() => document.querySelector<HTMLInputElement>('.skip-form input[type="radio"]:checked')?.focus());
  }

  function closeSkip(): void {
    state.skipOpen = false;
    afterRender(() => document.getElementById("skip-button")?.focus());
  }

  const events: [EventTarget, string, EventListener][] = [
    [document, "keydown", onKey as EventListener],
    [document, "pointerdown", onActivity],
    [document, "wheel", onActivity],
    [document, "visibilitychange", onVisibility],
    [window, "online", retryNow],
    [window, "offline", onOffline],
  ];
  for (const [target, name, fn] of events) target.addEventListener(name, fn, { passive: name !== "keydown" });
  const ticker = window.setInterval(() => state.phase === "working" && ctx.update(), 1000);

  void refreshQueue();
  void loadNext(); // flushes what an earlier visit left in the queue first

  // ---- views -------------------------------------------------------------------------------

  function itemView(item: WorkItem, index: number, total: number, job: JobDetail): TemplateResult {
    const schema = job.label_schema;
    const work = state.works.get(item.id) ?? emptyWork();
    const active = index === state.activeItem;
    const content =
      item.kind === "image" && item.image_url
        ? state.brokenImages.has(item.id)
          ? html`<div class="alert alert-error" role="alert">${t("work.imageFailed")}</div>`
          : html`<img
              class="item-image"
              src=${item.image_url}
              alt=${t("work.imageAlt", { n: index + 1 })}
              width=${item.width ?? nothing}
              height=${item.height ?? nothing}
              @error=${() => {
                state.brokenImages.add(item.id);
                state.skipReason = "bad_data";
                ctx.update();
              }}
            />`
        : schema.kind === "text_spans"
          ? spanText(item, schema, work.spans)
          : html`<div class="item-text" aria-label=${t("work.textRegion")}>${item.text ?? ""}</div>`;
    return html`<article class="card work-item ${active ? "is-active" : ""}" @focusin=${() => setActive(index)} @pointerdown=${() => setActive(index)}>
      ${total > 1 ? html`<h3>${t("work.itemOf", { n: index + 1, total })}</h3>` : nothing}
      ${content}
      ${isSupported(schema)
        ? html`${labelPalette({ schema, work, itemId: item.id, keepSelection: schema.kind === "text_spans", onPick: (name) => pick(item, name) })}
          ${schema.kind === "text_spans" ? spanList(item, schema, work.spans, (i) => setWork(item.id, { ...work, spans: work.spans.filter((_, j) => j !== i) })) : nothing}`
        : nothing}
    </article>`;
  }

  function setActive(index: number): void {
    if (state.activeItem !== index) {
      state.activeItem = index;
      ctx.update();
    }
  }

  function leaseView(): TemplateResult {
    const left = state.leaseUntil - Date.now();
    return left > 0
      ? html`<span class="lease">${t("work.leaseLeft", { time: formatCountdown(left) })}</span>`
      : html`<span class="lease lease-expired">${t("work.leaseExpired")}</span>`;
  }

  function draftView(): TemplateResult | typeof nothing {
    if (state.draft === "saving") return html`<span class="muted">${t("work.draftSaving")}</span>`;
    if (state.draft === "saved") return html`<span class="muted">${t("work.draftSaved")}</span>`;
    if (state.draft === "failed") return html`<span class="field-error">${t("work.draftFailed", { detail: errorMessage(state.draftError) })}</span>`;
    return nothing;
  }

  function sessionView(): TemplateResult {
    const active = state.sessionActiveMs + (state.phase === "working" ? clock.elapsed(Date.now()) : 0);
    return html`<dl class="session-stats" aria-label=${t("work.sessionHeading")}>
      <div><dt>${t("work.sessionLabels")}</dt><dd>${formatNumber(state.sessionCount)}</dd></div>
      <div><dt>${t("work.sessionActive")}</dt><dd>${formatDuration(active)}</dd></div>
    </dl>`;
  }

  function workingView(a: Assignment, job: JobDetail): TemplateResult {
    const schema = job.label_schema;
    return html`
      <div class="work-bar">
        <h2 class="work-job">${job.name}</h2>
        ${leaseView()} ${draftView()}
      </div>
      <details class="card instructions">
        <summary>${t("work.instructions")}</summary>
        <div class="prose">${job.instructions.trim() || t("work.noInstructions")}</div>
      </details>
      ${isSupported(schema)
        ? nothing
        : html`<div class="alert alert-info" role="status">${t("work.unsupported", { kind: vocabLabel("labelKind", schema.kind) })}</div>`}
      <div id="work-item" tabindex="-1" class="work-items">${a.items.map((it, i) => itemView(it, i, a.items.length, job))}</div>
      ${state.actionError ? errorAlert(state.actionError) : nothing}
      ${state.skipOpen
        ? skipForm({
            reason: state.skipReason,
            note: state.skipNote,
            busy: state.busy,
            onReason: (r) => (state.skipReason = r),
            onNote: (n) => (state.skipNote = n),
            onConfirm: () => void skip(),
            onCancel: closeSkip,
          })
        : html`<div class="work-actions">
            ${isSupported(schema)
              ? html`<button type="button" class="btn btn-primary" aria-disabled=${state.busy ? "true" : "false"} aria-keyshortcuts="Enter Control+Enter" @click=${() => void submit()}>
                  ${state.busy ? t("work.submitting") : t("work.submit")}
                </button>`
              : nothing}
            <button id="skip-button" type="button" class="btn btn-secondary" aria-keyshortcuts="S" @click=${openSkip}>${t("work.skip")}</button>
            <span class="hint">${t("work.keysHelp")}</span>
          </div>`}
    `;
  }

  function mainView(): TemplateResult {
    switch (state.phase) {
      case "loading":
        return spinner(t("work.loading"));
      case "error":
        return errorAlert(state.error, () => void loadNext());
      case "offline":
        return html`<section class="card" aria-labelledby="work-offline">
          <h2 id="work-offline">${t("work.offlineTitle")}</h2>
          <p>${state.pending > 0 ? t("work.offlineQueued") : t("work.offlineBody")}</p>
          <button type="button" class="btn btn-secondary" @click=${retryNow}>${t("work.retryNow")}</button>
        </section>`;
      case "empty":
        return html`<section class="card" aria-labelledby="work-empty">
          <h2 id="work-empty">${t("work.emptyTitle")}</h2>
          <p>${state.reason ? t(`work.empty.${state.reason}`) : t("work.emptyTitle")}</p>
          <button type="button" class="btn btn-secondary" @click=${() => void loadNext()}>${t("work.checkAgain")}</button>
        </section>`;
      case "working":
        return state.assignment && state.job ? workingView(state.assignment, state.job) : spinner();
    }
  }

  function failedReason(f: FailedSubmission): string {
    if (f.reason === "LeaseLost") return t("work.failedLeaseLost");
    if (f.status === 422) return t("work.failedInvalid", { detail: f.detail || f.reason });
    if (f.status === 409) return t("work.failedConflict", { detail: f.detail || f.reason });
    return t("work.failedOther", { detail: f.detail || f.reason });
  }

  function queueView(): TemplateResult | typeof nothing {
    if (state.pending === 0 && state.failed.length === 0 && state.reachable) return nothing;
    return html`<section class="queue-panel card" aria-label=${t("work.queueHeading")}>
      <p class="queue-line">
        ${state.reachable ? nothing : html`<span class="badge badge-warning">${t("work.offlineBadge")}</span>`}
        <span class="pending-count" role="status">${t("work.pendingCount", { n: state.pending })}</span>
        ${state.pending > 0 ? html`<button type="button" class="btn btn-secondary btn-small" @click=${retryNow}>${t("work.retryNow")}</button>` : nothing}
      </p>
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
            <button type="button" class="btn btn-secondary btn-small" @click=${() => void dismissFailed()}>${t("work.failedDismiss")}</button>
          </details>`
        : nothing}
    </section>`;
  }

  return {
    view: () => html`<div
      class="workstation"
      data-prefetched=${state.prefetched.length}
      data-pending=${state.pending}
      data-failed=${state.failed.length}
      data-online=${state.reachable ? "true" : "false"}
    >
      ${sessionView()} ${queueView()}
      <p class="work-status" role="status" aria-live="polite">${state.status}</p>
      ${mainView()}
    </div>`,
    destroy() {
      for (const [target, name, fn] of events) target.removeEventListener(name, fn);
      window.clearInterval(ticker);
      window.clearTimeout(heartbeatTimer);
      window.clearTimeout(retryTimer);
      void storeReady.then((s) => s?.close());
      // Keep the last 1.5 s of work: this save must outlive the page, so no abort signal.
      if (draftTimer) void saveDraft(undefined).catch(() => undefined);
      cancelDraft();
    },
  };
};

export default workPage;
