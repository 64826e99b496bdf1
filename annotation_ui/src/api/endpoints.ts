/** Typed calls to the Brigade API. Pages use these, never `fetch` directly. */
import { request } from "./client";
import type {
  ApiToken,
  CreatedApiToken,
  DraftOut,
  Enterprise,
  Id,
  Job,
  JobDetail,
  LeaseOut,
  Me,
  MeUpdate,
  NextOut,
  NextRequest,
  Page,
  SkipOut,
  SkipRequest,
  SubmitOut,
  SubmitRequest,
  TokenCreate,
  User,
} from "./types";

export interface PageQuery {
  limit: number;
  offset: number;
}

type Signal = { signal?: AbortSignal };

export const api = {
  login: (email: string, password: string) =>
    request<Me>("POST", "auth/login", { body: { email, password }, noAuthRedirect: true }),
  logout: () => request<void>("POST", "auth/logout", { noAuthRedirect: true }),
  me: (opts: Signal = {}) => request<Me>("GET", "auth/me", { ...opts, noAuthRedirect: true }),
  updateMe: (patch: MeUpdate) => request<Me>("PATCH", "auth/me", { body: patch }),

  listTokens: (opts: Signal = {}) => request<{ items: ApiToken[] }>("GET", "tokens", opts),
  createToken: (body: TokenCreate) => request<CreatedApiToken>("POST", "tokens", { body }),
  revokeToken: (id: Id) => request<void>("DELETE", `tokens/${encodeURIComponent(String(id))}`),

  listUsers: (q: PageQuery, opts: Signal = {}) =>
    request<Page<User>>("GET", "users", { query: { ...q }, ...opts }),
  listEnterprises: (q: PageQuery, opts: Signal = {}) =>
    request<Page<Enterprise>>("GET", "enterprises", { query: { ...q }, ...opts }),
  listJobs: (q: PageQuery, opts: Signal = {}) =>
    request<Page<Job>>("GET", "jobs", { query: { ...q }, ...opts }),
  getJob: (id: Id, opts: Signal = {}) =>
    request<JobDetail>("GET", `jobs/${encodeURIComponent(String(id))}`, opts),

  // The annotator's loop: next → (heartbeat, draft) → submit or skip.
  nextAssignment: (body: NextRequest = {}, opts: Signal = {}) =>
    request<NextOut>("POST", "labeling/next", { body, ...opts }),
  submitAssignment: (id: number, body: SubmitRequest, opts: Signal = {}) =>
    request<SubmitOut>("POST", `labeling/assignments/${id}/submit`, { body, ...opts }),
  skipAssignment: (id: number, body: SkipRequest, opts: Signal = {}) =>
    request<SkipOut>("POST", `labeling/assignments/${id}/skip`, { body, ...opts }),
  heartbeat: (id: number, opts: Signal = {}) =>
    request<LeaseOut>("POST", `labeling/assignments/${id}/heartbeat`, opts),
  saveDraft: (id: number, answers: Record<string, unknown>, opts: Signal = {}) =>
    request<DraftOut>("PUT", `labeling/assignments/${id}/draft`, { body: { answers }, ...opts }),
};
