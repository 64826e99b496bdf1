/** Typed calls to the Brigade API. Pages use these, never `fetch` directly. */
import { API_BASE, buildUrl, request } from "./client";
import type {
  AnnotatorSort,
  AnnotatorStanding,
  ApiToken,
  AwardRule,
  AwardRuleIn,
  CreatedApiToken,
  DirectoryEntry,
  DraftOut,
  Enterprise,
  ExportFormat,
  ExportOut,
  ExportRequest,
  Id,
  Job,
  JobDetail,
  JobProgress,
  LeaseOut,
  Me,
  MeUpdate,
  MilestoneReport,
  MyStanding,
  NextOut,
  NextRequest,
  Page,
  ParkDashboard,
  PauseRequest,
  QualityReport,
  ReviewItem,
  ReviewReason,
  ReviewRequest,
  SkipOut,
  SkipRequest,
  Statement,
  SubmitOut,
  SubmitRequest,
  TokenCreate,
  User,
  WorkQuery,
  WorkReport,
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
  myStanding: (opts: Signal = {}) => request<MyStanding[]>("GET", "labeling/standing", opts),

  // Quality control (QA leads, admins, the client's people; not annotators).
  qualityReport: (jobId: Id, opts: Signal = {}) =>
    request<QualityReport>("GET", `jobs/${enc(jobId)}/quality`, opts),
  refitQuality: (jobId: Id) => request<{ status: string }>("POST", `jobs/${enc(jobId)}/quality/refit`),
  listJobAnnotators: (jobId: Id, q: PageQuery & { sort?: AnnotatorSort; flagged?: boolean }, opts: Signal = {}) =>
    request<Page<AnnotatorStanding>>("GET", `jobs/${enc(jobId)}/annotators`, { query: { ...q }, ...opts }),
  pauseAnnotator: (jobId: Id, userId: Id, body: PauseRequest) =>
    request<void>("PUT", `jobs/${enc(jobId)}/annotators/${enc(userId)}/pause`, { body }),
  reviewQueue: (jobId: Id, q: PageQuery & { reason?: ReviewReason }, opts: Signal = {}) =>
    request<Page<ReviewItem>>("GET", `jobs/${enc(jobId)}/review`, { query: { ...q }, ...opts }),
  reviewItem: (jobId: Id, itemId: number, opts: Signal = {}) =>
    request<ReviewItem>("GET", `jobs/${enc(jobId)}/items/${itemId}/review`, opts),
  decideReview: (jobId: Id, itemId: number, body: ReviewRequest, opts: Signal = {}) =>
    request<ReviewItem>("POST", `jobs/${enc(jobId)}/items/${itemId}/review`, { body, ...opts }),

  // Statistics (src/stats/): every role's own scope of the roll-ups.
  workReport: (q: WorkQuery, opts: Signal = {}) =>
    request<WorkReport>("GET", "stats/work", { query: { ...q }, ...opts }),
  jobProgress: (jobId: Id, opts: Signal = {}) => request<JobProgress>("GET", `jobs/${enc(jobId)}/progress`, opts),
  parkDashboard: (opts: Signal = {}) => request<ParkDashboard>("GET", "stats/park", opts),
  statement: (month: string, enterpriseId: string | null, opts: Signal = {}) =>
    request<Statement>("GET", `stats/statements/${enc(month)}`, { query: { enterprise_id: enterpriseId }, ...opts }),
  awardRules: (opts: Signal = {}) => request<AwardRule[]>("GET", "stats/award-rules", opts),
  setAwardRules: (rules: AwardRuleIn[]) => request<AwardRule[]>("PUT", "stats/award-rules", { body: { rules } }),
  milestones: (year: number, opts: Signal = {}) => request<MilestoneReport>("GET", `stats/milestones/${year}`, opts),
  enterpriseDirectory: (kind: "vendor" | "client", opts: Signal = {}) =>
    request<DirectoryEntry[]>("GET", "enterprises/directory", { query: { kind }, ...opts }),

  // Exports: a job's labels as a file, written in the background (poll until done).
  exportFormats: (opts: Signal = {}) => request<ExportFormat[]>("GET", "exports/formats", opts),
  createExport: (jobId: Id, body: ExportRequest, opts: Signal = {}) =>
    request<ExportOut>("POST", `jobs/${enc(jobId)}/exports`, { body, ...opts }),
  listExports: (jobId: Id, q: PageQuery, opts: Signal = {}) =>
    request<Page<ExportOut>>("GET", `jobs/${enc(jobId)}/exports`, { query: { ...q }, ...opts }),
  getExport: (id: Id, opts: Signal = {}) => request<ExportOut>("GET", `exports/${enc(id)}`, opts),
};

/** The statement as a spreadsheet: a plain link (the browser downloads it with the cookie). */
export function statementCsvUrl(month: string, enterpriseId: string | null): string {
  return buildUrl(`${API_BASE}/stats/statements/${enc(month)}`, { format: "csv", enterprise_id: enterpriseId });
}

function enc(id: Id): string {
  return encodeURIComponent(String(id));
}
