/** State for one paged API list (`{items,total,limit,offset}`): load, page, retry, abort. */
import { isAbort } from "../api/client";
import type { Page } from "../api/types";
import type { PageQuery } from "../api/endpoints";

export const DEFAULT_PAGE_SIZE = 20;

export interface PagedList<T> {
  rows: T[] | null;
  total: number;
  limit: number;
  offset: number;
  loading: boolean;
  error: unknown;
  load(offset?: number): Promise<void>;
}

export function pagedList<T>(
  fetchPage: (q: PageQuery, opts: { signal: AbortSignal }) => Promise<Page<T>>,
  pageSignal: AbortSignal,
  update: () => void,
  limit = DEFAULT_PAGE_SIZE,
): PagedList<T> {
  let inflight: AbortController | null = null;
  const list: PagedList<T> = {
    rows: null,
    total: 0,
    limit,
    offset: 0,
    loading: false,
    error: null,
    async load(offset = list.offset) {
      inflight?.abort();
      const ctrl = new AbortController();
      inflight = ctrl;
      const onPageAbort = () => ctrl.abort();
      pageSignal.addEventListener("abort", onPageAbort, { once: true });
      list.loading = true;
      list.error = null;
      update();
      try {
        const page = await fetchPage({ limit: list.limit, offset }, { signal: ctrl.signal });
        list.rows = page.items;
        list.total = page.total;
        list.offset = page.offset ?? offset;
      } catch (err) {
        if (isAbort(err)) return;
        list.error = err;
      } finally {
        pageSignal.removeEventListener("abort", onPageAbort);
        if (inflight === ctrl) {
          inflight = null;
          list.loading = false;
          if (!pageSignal.aborted) update();
        }
      }
    },
  };
  return list;
}
