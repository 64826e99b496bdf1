/**
 * The review page's state and what it does (src/pages/quality-review.ts renders it): load the
 * job and the queue page by page, move between items, and send decisions — accept, pick,
 * correct (classes, spans, or shapes in the workstation's Annotorious editor) and reject with a
 * comment. After a decision the next undecided item is shown, without a page load.
 */
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { JobDetail, ReviewItem, ReviewLabel, ReviewReason, ReviewRequest } from "../api/types";
import { t, type MessageKey } from "../i18n";
import type { PageContext } from "../ui/page";
import { buildAnswer, chooseLabel, emptyWork, isClassification, isShapeKind, workFromAnswer, type ItemWork } from "../work/labels";
import { mountShapeEditor, type ShapeEditor } from "../work/shape-editor";
import { addSpan } from "../work/spans";
import { readTextSelection } from "../work/selection";
import { imageSize } from "./answers";
import type { ReviewMode } from "./keys";
import { appendPage, hasMore, nextOffset, nextPending, step } from "./queue";

export const PAGE_SIZE = 20;
/** Fetch the next page when the reviewer gets this close to the end of what is loaded. */
const PREFETCH_WHEN_LEFT = 3;

type RefCallback = (el: Element | undefined) => void;

export interface ReviewState {
  job: JobDetail | null;
  items: ReviewItem[];
  done: Set<number>;
  index: number;
  /** Undecided items on the server: its total at the last fetch minus decisions since. */
  waiting: number;
  reason: ReviewReason | "";
  loading: boolean;
  loadingMore: boolean;
  error: unknown;
  mode: ReviewMode;
  busy: boolean;
  actionError: unknown;
  work: ItemWork;
  /** Where the correction started ("consensus", an annotator's name). */
  from: string;
  classMissing: boolean;
  comment: string;
  commentMissing: boolean;
  /** A status line for screen readers and the span marking ("select some text first"). */
  status: string;
}

export function createReview(ctx: PageContext) {
  const jobId = ctx.params.id ?? "";
  const s: ReviewState = {
    job: null,
    items: [],
    done: new Set(),
    index: 0,
    waiting: 0,
    reason: "",
    loading: true,
    loadingMore: false,
    error: null,
    mode: "compare",
    busy: false,
    actionError: null,
    work: emptyWork(),
    from: "",
    classMissing: false,
    comment: "",
    commentMissing: false,
    status: "",
  };
  let editor: ShapeEditor | null = null;
  let shapeHost: RefCallback = () => undefined;
  const queueView = () => ({ ids: s.items.map((i) => i.item_id), done: s.done, index: s.index });
  const current = (): ReviewItem | undefined => s.items[s.index];
  // Focus follows the reviewer (the new item's title, the open panel); the browser scrolls it
  // into view only if it is off screen.
  const focusSoon = (id: string) => requestAnimationFrame(() => document.getElementById(id)?.focus());

  async function load(): Promise<void> {
    s.loading = true;
    s.error = null;
    ctx.update();
    try {
      const [job] = await Promise.all([api.getJob(jobId, { signal: ctx.signal }), fetchPage(true)]);
      s.job = job;
    } catch (err) {
      if (isAbort(err)) return;
      s.error = err;
    }
    s.loading = false;
    ctx.update();
  }

  async function fetchPage(reset: boolean): Promise<void> {
    const offset = reset ? 0 : nextOffset(queueView());
    const page = await api.reviewQueue(jobId, { limit: PAGE_SIZE, offset, reason: s.reason || undefined }, { signal: ctx.signal });
    if (reset) {
      s.items = page.items;
      s.done = new Set();
      s.index = 0;
      resetMode();
    } else s.items = appendPage(s.items, page.items);
    s.waiting = page.total;
  }

  async function loadMore(): Promise<void> {
    if (s.loadingMore || !hasMore(queueView(), s.waiting)) return;
    s.loadingMore = true;
    ctx.update();
    try {
      await fetchPage(false);
    } catch (err) {
      if (!isAbort(err)) s.actionError = err;
    } finally {
      s.loadingMore = false;
      ctx.update();
    }
  }

  function resetMode(): void {
    s.mode = "compare";
    s.work = emptyWork();
    s.classMissing = false;
    s.comment = "";
    s.commentMissing = false;
    s.actionError = null;
    s.status = "";
  }

  function go(index: number, focus = true): void {
    if (index < 0 || index >= s.items.length) return;
    if (index !== s.index || s.mode !== "compare") resetMode();
    s.index = index;
    ctx.update();
    if (focus) focusSoon("qa-item-title");
    if (s.items.length - index <= PREFETCH_WHEN_LEFT) void loadMore();
  }

  async function advance(): Promise<void> {
    let next = nextPending(queueView());
    if (next === -1 && hasMore(queueView(), s.waiting)) {
      await loadMore();
      next = nextPending(queueView());
    }
    if (next !== -1) go(next);
    else focusSoon("qa-item-title");
  }

  async function decide(body: ReviewRequest, doneKey: MessageKey): Promise<void> {
    const item = current();
    if (!item || s.busy) return;
    s.busy = true;
    s.actionError = null;
    ctx.update();
    try {
      const out = await api.decideReview(jobId, item.item_id, body, { signal: ctx.signal });
      s.items = s.items.map((i) => (i.item_id === out.item_id ? out : i));
      if (!s.done.has(out.item_id)) {
        s.done.add(out.item_id);
        s.waiting = Math.max(0, s.waiting - 1);
      }
      ctx.notify(t(doneKey, { id: String(out.item_id) }), "success");
      s.busy = false;
      resetMode();
      await advance();
    } catch (err) {
      if (isAbort(err)) return;
      s.actionError = err;
    } finally {
      s.busy = false;
      ctx.update();
    }
  }

  function makeShapeHost(item: ReviewItem): RefCallback {
    const schema = s.job!.label_schema;
    const cb: RefCallback = (el) => {
      editor?.destroy();
      editor = null;
      if (!el || shapeHost !== cb) return;
      editor = mountShapeEditor({
        host: el as HTMLElement,
        item: { id: item.item_id, kind: item.kind, text: item.text, image_url: item.image_url, width: item.width, height: item.height, meta: {} },
        schema,
        alt: t("quality.correctImageAlt", { id: item.item_id }),
        names: {
          layer: t(schema.kind === "image_polygons" ? "work.drawingLayerPolygons" : "work.drawingLayerBoxes"),
          handle: t("work.shapeHandle"),
        },
        boxes: s.work.boxes,
        polygons: s.work.polygons,
        currentLabel: () => s.work.labels[0] ?? schema.labels[0]?.name ?? "",
        onChange: (shapes) => {
          s.work = { ...s.work, ...shapes };
          ctx.update();
        },
        onBroken: () => {
          s.status = t("quality.imageFailed");
          ctx.update();
        },
      });
    };
    return cb;
  }

  /** The current selection inside the correction's text, as code-point offsets. */
  function readSelection(item: ReviewItem): { start: number; end: number } | null {
    return readTextSelection(document.querySelector("#qa-correct .span-text"), item.text ?? "");
  }

  const actions = {
    state: s,
    load,
    loadMore,
    go,
    current,
    shapeHost: () => shapeHost,
    prev: () => go(step(queueView(), -1)),
    next: () => go(step(queueView(), 1)),
    setReason(reason: ReviewReason | "") {
      s.reason = reason;
      void load();
    },
    accept() {
      if (current()?.consensus?.answer == null) return;
      void decide({ action: "accept" }, "quality.doneAccept");
    },
    pick(label: ReviewLabel) {
      void decide({ action: "pick", label_id: label.label_id }, "quality.donePick");
    },
    /** Start a correction from an answer (the consensus, or an annotator's label). */
    startCorrect(answer: unknown, from: string) {
      const item = current();
      const schema = s.job?.label_schema;
      if (!item || !schema) return;
      resetMode();
      s.mode = "correct";
      s.work = workFromAnswer(schema, answer, imageSize(item) ?? undefined);
      if (isShapeKind(schema)) s.work.labels = [schema.labels[0]?.name ?? ""];
      s.from = from;
      shapeHost = makeShapeHost(item);
      ctx.update();
      focusSoon("qa-correct-heading");
    },
    correctPick(name: string) {
      const item = current();
      const schema = s.job?.label_schema;
      if (!item || !schema || s.mode !== "correct") return;
      s.classMissing = false;
      if (isClassification(schema)) s.work = chooseLabel(schema, s.work, name);
      else if (isShapeKind(schema)) {
        s.work = { ...s.work, labels: [name] };
        editor?.relabelSelected(name);
      } else {
        const range = readSelection(item);
        if (!range) s.status = t("work.spanNoSelection");
        else {
          const added = addSpan(s.work.spans, { label: name, ...range }, !!schema.allow_overlap);
          if (added.ok) {
            s.work = { ...s.work, spans: added.spans };
            s.status = "";
            window.getSelection()?.removeAllRanges();
          } else s.status = t(added.error === "overlap" ? "work.spanOverlap" : "work.spanDuplicate");
        }
      }
      ctx.update();
    },
    deleteSpan(index: number) {
      s.work = { ...s.work, spans: s.work.spans.filter((_, i) => i !== index) };
      ctx.update();
    },
    deleteShape(): boolean {
      return !!editor?.deleteSelected();
    },
    saveCorrection() {
      const schema = s.job?.label_schema;
      if (!schema || s.mode !== "correct" || s.busy) return;
      const answer = buildAnswer(schema, s.work);
      if (!answer) {
        s.classMissing = true;
        ctx.update();
        return;
      }
      void decide({ action: "correct", answer }, "quality.doneCorrect");
    },
    startReject() {
      resetMode();
      s.mode = "reject";
      ctx.update();
      focusSoon("qa-reject-comment");
    },
    setComment(value: string) {
      s.comment = value;
      if (value.trim()) s.commentMissing = false;
      ctx.update();
    },
    submitReject() {
      if (s.busy) return;
      if (!s.comment.trim()) {
        s.commentMissing = true;
        ctx.update();
        focusSoon("qa-reject-comment");
        return;
      }
      void decide({ action: "reject", comment: s.comment.trim() }, "quality.doneReject");
    },
    cancel() {
      const was = s.mode;
      resetMode();
      ctx.update();
      if (was !== "compare") focusSoon("qa-item-title");
    },
    destroy() {
      editor?.destroy();
      editor = null;
    },
  };
  return actions;
}

export type ReviewController = ReturnType<typeof createReview>;
