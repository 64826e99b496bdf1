/** State for one API read that a page shows and reloads (a report, a dashboard): load,
 * reload with other parameters, retry, abort when the page is left. Like paged.ts, unpaged. */
import { isAbort } from "../api/client";

export interface Resource<T> {
  data: T | null;
  loading: boolean;
  error: unknown;
  load(): Promise<void>;
}

export function resource<T>(
  fetch: (signal: AbortSignal) => Promise<T>,
  pageSignal: AbortSignal,
  update: () => void,
): Resource<T> {
  let inflight: AbortController | null = null;
  const r: Resource<T> = {
    data: null,
    loading: false,
    error: null,
    async load() {
      inflight?.abort();
      const ctrl = new AbortController();
      inflight = ctrl;
      const onPageAbort = () => ctrl.abort();
      pageSignal.addEventListener("abort", onPageAbort, { once: true });
      r.loading = true;
      r.error = null;
      update();
      try {
        r.data = await fetch(ctrl.signal);
      } catch (err) {
        if (isAbort(err)) return;
        r.error = err;
      } finally {
        pageSignal.removeEventListener("abort", onPageAbort);
        if (inflight === ctrl) {
          inflight = null;
          r.loading = false;
          if (!pageSignal.aborted) update();
        }
      }
    },
  };
  return r;
}
