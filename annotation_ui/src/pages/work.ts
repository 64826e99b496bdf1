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
 * This module wires the parts together; they live in src/work/: state.ts (the page state, job
 * cache), holding.ts (prefetch and lease heartbeat), offline.ts (the queue's flush and retry),
 * draft.ts (autosave), screens.ts (the templates), plus the pure logic in labels/spans/activity/queue.
 *
 * Labels: text/image classification (single and multi), text spans, and image boxes and polygons
 * drawn with Annotorious (src/work/shape-editor.ts, loaded only for those jobs; the conversion to
 * answers in image pixels is src/work/shapes.ts). For shapes the class keys choose the class of
 * the next shape and relabel the selected one; Delete/Backspace removes the selected shape.
 * Images zoom and pan (src/work/zoom-view.ts: wheel, + − 0, arrows, Space- or middle-drag);
 * Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo the active item's answer (src/work/undo.ts).
 * Jobs that are not blind show the other annotators' labels read-only (src/work/others.ts).
 * An item a QA reviewer sent back shows the reviewer's note above it (`assignment.rework`).
 * The session panel shows the annotator's accuracy on gold and why they are paused
 * (src/work/standing.ts: `GET /labeling/standing`, refreshed every few submits).
 *
 * Without network on load (coming back to this page, or a reload: the service worker serves the
 * app and the shell starts with the identity kept on the device, src/offline.ts) the workstation
 * restores the leases it held and their drafts from this device (src/work/stash.ts).
 */
import { ApiError, isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { NextOut, WorkItem } from "../api/types";
import { t } from "../i18n";
import type { PageFactory } from "../ui/page";
import { ActiveClock } from "../work/activity";
import { createDraftSaver } from "../work/draft";
import { historyCommand, type HistoryCommand } from "../work/history";
import { createHolding, MAX_HOLDING } from "../work/holding";
import { viewKey } from "../work/keys";
import { buildAnswer, chooseLabel, emptyWork, isClassification, isShapeKind, isSupported, labelTitle, shortcutMap, workFromAnswer, type ItemWork } from "../work/labels";
import { createOfflineQueue } from "../work/offline";
import { shouldQueue, type NewSubmission } from "../work/queue";
import { workstationView, type WorkActions } from "../work/screens";
import { addSpan, sliceCodePoints } from "../work/spans";
import { readTextSelection } from "../work/selection";
import { createStages } from "../work/stages";
import { createResume } from "../work/resume";
import { createStandingFeed } from "../work/standing";
import { getJob, newWorkState } from "../work/state";
import { startingDraft, Stash } from "../work/stash";
import { createItemUndo } from "../work/undo";

const workPage: PageFactory = (ctx) => {
  const jobFilter = ctx.query.get("job") || undefined;
  const clock = new ActiveClock(Date.now(), document.visibilityState === "visible");
  const state = newWorkState();
  const userId = String(ctx.me.id);
  const queue = createOfflineQueue({
    ctx,
    state,
    userId,
    onResume: () => {
      if (state.phase === "offline") void loadNext();
      else if (state.phase === "working") {
        if (state.draft === "local") draft.schedule(); // the server has not seen this draft yet
        void holding.topUp();
      }
    },
  });
  const holding = createHolding({ ctx, state, clock, jobFilter, onLeaseLost: leaseLost, onHeld: () => resume.keep() });
  // No IndexedDB (some private modes): nothing is kept on the device; the server still is.
  const stashReady: Promise<Stash | null> = Stash.open().catch(() => null);
  const draft = createDraftSaver(ctx, state, userId, stashReady);
  const resume = createResume({ ctx, state, userId, stash: stashReady, queue });
  const undo = createItemUndo(state);
  const standing = createStandingFeed(ctx, state);
  const stages = createStages({
    state,
    onShapes: (itemId, work) => setWork(itemId, work, "shapes"),
    onBroken: (itemId) => {
      state.brokenImages.add(itemId);
      state.skipReason = "bad_data";
      ctx.update();
    },
    update: () => ctx.update(),
  });

  /** Re-render, then run `fn` (the shell renders in a microtask queued by update()). */
  function afterRender(fn: () => void): void {
    ctx.update();
    queueMicrotask(fn);
  }

  // ---- loading work ------------------------------------------------------------------------

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
    await queue.flush();
    if (ctx.signal.aborted) return;
    if (state.pending > 0 && !state.reachable) return unreachable();
    try {
      // Queued but unsent assignments are still leased to us: don't get them handed back.
      const held = state.pendingIds.slice(0, MAX_HOLDING - 1);
      const next = await api.nextAssignment(
        { ...(jobFilter ? { job_id: jobFilter } : {}), ...(held.length ? { holding: held } : {}) },
        { signal: ctx.signal },
      );
      queue.reached();
      await show(next);
    } catch (err) {
      if (!ctx.signal.aborted && shouldQueue(err)) return unreachable();
      fail(err);
    }
  }

  /** No network for a new lease: go on with leases this device kept (a reload, a page change), else wait. */
  async function unreachable(): Promise<void> {
    state.reachable = false;
    if (!state.assignment && (await resume.restore(show))) return;
    goOffline();
  }

  /** No work to show and no network to lease more: wait (the retry timer and `online` resume). */
  function goOffline(): void {
    draft.cancel();
    stages.drop();
    state.assignment = null;
    state.reachable = false;
    state.phase = "offline";
    resume.keep();
    queue.scheduleRetry();
    ctx.update();
  }

  /** Show the next prefetched assignment, or lease one (or say we are offline). */
  async function advance(): Promise<void> {
    const next = state.prefetched.shift();
    if (next) await show({ assignment: next, reason: null });
    else await loadNext();
  }

  async function show(next: NextOut): Promise<void> {
    draft.cancel();
    state.skipOpen = false;
    const a = next.assignment;
    if (!a) {
      stages.drop();
      state.assignment = null;
      state.phase = "empty";
      state.reason = next.reason;
      resume.keep();
      // No job for this annotator: perhaps a pause, and the panel says why.
      if (next.reason === "no_jobs") void standing.refresh();
      ctx.update();
      return;
    }
    const [job, local] = await Promise.all([getJob(a.job_id, ctx.signal), draft.local(a.id)]);
    const start = startingDraft(a.draft, local);
    state.prefetched = state.prefetched.filter((p) => p.id !== a.id);
    state.job = job;
    state.assignment = a;
    const schema = job.label_schema;
    const size = (it: WorkItem) => (it.width && it.height ? { width: it.width, height: it.height } : undefined);
    state.works = new Map(a.items.map((it) => [it.id, workFromAnswer(schema, start.answers?.[String(it.id)], size(it))]));
    state.histories.clear();
    // Shapes: the first class is chosen until the annotator picks another.
    const first = schema.labels[0]?.name;
    if (isShapeKind(schema) && first) for (const w of state.works.values()) w.labels = [first];
    stages.drop();
    state.activeItem = 0;
    state.brokenImages.clear();
    state.shownAt = new Date().toISOString();
    state.leaseUntil = Date.parse(a.lease_expires_at);
    state.submissionId = crypto.randomUUID();
    state.draft = start.local ? "local" : a.draft ? "saved" : "idle";
    state.phase = "working";
    resume.keep();
    if (start.local && state.reachable) draft.schedule(); // the server has not seen this draft yet
    clock.reset(Date.now());
    holding.scheduleHeartbeat();
    afterRender(() => document.getElementById("work-item")?.focus({ preventScroll: true }));
    void holding.topUp();
  }

  // ---- answering ---------------------------------------------------------------------------

  /** Change an item's work: recorded for undo (`key`: one step per gesture), saved as a draft. */
  function setWork(itemId: number, work: ItemWork, key?: string): void {
    undo.record(itemId, state.works.get(itemId) ?? emptyWork(), work, key);
    state.works.set(itemId, work);
    state.actionError = null;
    draft.schedule();
    ctx.update();
  }

  function history(itemId: number, command: HistoryCommand): void {
    const work = undo.apply(itemId, command);
    if (!work) return say(t(command === "undo" ? "work.nothingToUndo" : "work.nothingToRedo"));
    state.works.set(itemId, work);
    if (state.job && isShapeKind(state.job.label_schema)) stages.editor(itemId)?.setShapes(work);
    state.actionError = null;
    draft.schedule();
    say(t(command === "undo" ? "work.undone" : "work.redone"));
  }

  function pick(item: WorkItem, name: string): void {
    const schema = state.job?.label_schema;
    if (!schema || !isSupported(schema)) return;
    const work = state.works.get(item.id) ?? emptyWork();
    if (isClassification(schema)) {
      setWork(item.id, chooseLabel(schema, work, name));
      return;
    }
    if (isShapeKind(schema)) {
      if (!schema.labels.some((l) => l.name === name)) return;
      state.works.set(item.id, { ...work, labels: [name] });
      stages.editor(item.id)?.relabelSelected(name); // syncs (and saves a draft) when one was selected
      ctx.update();
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
    return readTextSelection(document.querySelector(`.span-text[data-item="${item.id}"]`), item.text ?? "");
  }

  function deleteSelectedShape(): boolean {
    const item = state.assignment?.items[state.activeItem];
    return !!item && !!stages.editor(item.id)?.deleteSelected();
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
    if (state.pending > 0 && !state.reachable && (await queue.enqueue(entry))) return queued(a.id);
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
      queue.reached();
      draft.forget(a.id);
      state.sessionCount += res.labels.length;
      state.sessionActiveMs += activeMs;
      standing.submitted();
      state.status = t("work.submitted");
      state.busy = false;
      if (res.next?.assignment) await show(res.next);
      else await advance();
    } catch (err) {
      if (!ctx.signal.aborted && shouldQueue(err) && (await queue.enqueue(entry))) {
        state.reachable = false;
        return queued(a.id);
      }
      state.busy = false;
      handleActionError(err);
    }
  }

  /** The submission is safe in the queue: move on to the next item we have (or the offline state). */
  async function queued(assignmentId: number): Promise<void> {
    draft.forget(assignmentId);
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
      draft.forget(a.id);
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

  // ---- activity and keys -------------------------------------------------------------------

  const onActivity = () => clock.input(Date.now());
  const onOffline = () => {
    state.reachable = false;
    ctx.update();
  };
  const onVisibility = () => {
    const visible = document.visibilityState === "visible";
    clock.setVisible(visible, Date.now());
    if (!visible && draft.due) void draft.save(); // leaving the tab: save now, not in 1.5 s
  };

  function onKey(e: KeyboardEvent): void {
    onActivity();
    if (e.isComposing || state.phase !== "working" || state.skipOpen) return;
    const target = e.target as HTMLElement | null;
    if (target?.closest("input, textarea, select, [contenteditable]")) return;
    const { assignment: a, job } = state;
    if (!a || !job) return;
    // Annotorious' polygon editor claims Delete for its selected corners; the shape goes too.
    if ((e.key === "Delete" || e.key === "Backspace") && isShapeKind(job.label_schema) && deleteSelectedShape()) {
      e.preventDefault();
      return;
    }
    if (e.defaultPrevented) return;
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
    } else if (item && viewCommand(item, e)) {
      e.preventDefault();
    }
  }

  /** + − 0 and the arrows on the active image; arrows are left to a selected shape. */
  function viewCommand(item: WorkItem, e: KeyboardEvent): boolean {
    const command = viewKey(e);
    const zoom = stages.zoom(item.id);
    if (!command || !zoom) return false;
    if (command.kind === "zoom") zoom.zoomBy(command.direction);
    else if (command.kind === "fit") zoom.fit();
    else if (stages.editor(item.id)?.hasSelection()) return false;
    else zoom.panStep(command.dx, command.dy);
    return true;
  }

  /** Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y, in the capture phase: form fields keep their own undo, and
   *  Annotorious' own listener on the document never sees the keys. */
  function onHistoryKey(e: KeyboardEvent): void {
    const command = historyCommand(e);
    if (!command || e.isComposing || state.phase !== "working" || state.skipOpen) return;
    if ((e.target as HTMLElement | null)?.closest?.("input, textarea, select, [contenteditable]")) return;
    const item = state.assignment?.items[state.activeItem];
    if (!item || !state.job || !isSupported(state.job.label_schema)) return;
    e.preventDefault();
    e.stopPropagation();
    onActivity();
    history(item.id, command);
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
    [window, "online", queue.retryNow],
    [window, "offline", onOffline],
  ];
  for (const [target, name, fn] of events) target.addEventListener(name, fn, { passive: name !== "keydown" });
  window.addEventListener("keydown", onHistoryKey, { capture: true });
  const ticker = window.setInterval(() => state.phase === "working" && ctx.update(), 1000);

  void queue.refresh();
  void standing.refresh();
  void loadNext(); // flushes what an earlier visit left in the queue first

  const actions: WorkActions = {
    update: () => ctx.update(),
    loadNext: () => void loadNext(),
    retryNow: queue.retryNow,
    dismissFailed: () => void queue.dismissFailed(),
    submit: () => void submit(),
    skip: () => void skip(),
    openSkip,
    closeSkip,
    pick,
    setWork: (itemId, work) => setWork(itemId, work),
    shapeHost: stages.shapeHost,
    zoomHost: stages.zoomHost,
    undo: (itemId) => history(itemId, "undo"),
    redo: (itemId) => history(itemId, "redo"),
    canUndo: undo.canUndo,
    canRedo: undo.canRedo,
    zoomBy: (itemId, direction) => stages.zoom(itemId)?.zoomBy(direction),
    zoomFit: (itemId) => stages.zoom(itemId)?.fit(),
  };

  return {
    view: () => workstationView({ state, clock, actions, jobFilter }),
    destroy() {
      for (const [target, name, fn] of events) target.removeEventListener(name, fn);
      window.removeEventListener("keydown", onHistoryKey, { capture: true });
      window.clearInterval(ticker);
      stages.drop();
      holding.stop();
      queue.close();
      void stashReady.then((s) => s?.close());
      // Keep the last 1.5 s of work: this save must outlive the page, so no abort signal.
      if (draft.due) void draft.save({ outlive: true }).catch(() => undefined);
    },
  };
};

export default workPage;
