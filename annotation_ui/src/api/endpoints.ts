/** Typed calls to the Brigade API. Pages use these, never `fetch` directly. */
import { request } from "./client";
import type {
  ApiToken,
  CreatedApiToken,
  Enterprise,
  Id,
  Job,
  Me,
  MeUpdate,
  Page,
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
};
