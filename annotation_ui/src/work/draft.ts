/** Draft autosave: a debounced save of the shown assignment's answers (restored when it is shown again). */
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { PageContext } from "../ui/page";
import { draftAnswers } from "./labels";
import type { WorkState } from "./state";

export const DRAFT_DEBOUNCE_MS = 1500;

export interface DraftSaver {
  /** Save after DRAFT_DEBOUNCE_MS without further changes. */
  schedule(): void;
  cancel(): void;
  /** A save is scheduled and has not started yet. */
  readonly due: boolean;
  /** Save now, under the page's signal; `outlive: true` when the page is being left, so
   *  the last save is not cancelled with the page. */
  save(opts?: { outlive?: boolean }): Promise<void>;
}

export function createDraftSaver(ctx: PageContext, state: WorkState): DraftSaver {
  let draftTimer = 0;

  function cancel(): void {
    window.clearTimeout(draftTimer);
    draftTimer = 0;
  }

  function schedule(): void {
    cancel();
    draftTimer = window.setTimeout(() => void save(), DRAFT_DEBOUNCE_MS);
  }

  async function save(opts: { outlive?: boolean } = {}): Promise<void> {
    cancel(); // a save now replaces a pending one
    const signal = opts.outlive ? undefined : ctx.signal;
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

  return {
    schedule,
    cancel,
    get due() {
      return draftTimer !== 0;
    },
    save,
  };
}
