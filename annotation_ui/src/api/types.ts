/** Shapes of the Brigade API (`/api/v1`). Keep in step with the server's schemas. */

export type Id = string | number;

export type Role = "park_admin" | "enterprise_admin" | "annotator" | "qa_lead" | "client_member";
export type EnterpriseKind = "park_operator" | "client" | "vendor";
export type Domain =
  | "ecommerce"
  | "search"
  | "logistics"
  | "finance"
  | "autonomous_driving"
  | "maps"
  | "medical"
  | "other";
export type DataKind = "image" | "text";
export type JobStatus = "draft" | "running" | "paused" | "completed" | "cancelled";
export type ApiLocale = "zh-CN" | "en";

export interface Me {
  id: Id;
  email: string;
  display_name: string;
  role: Role;
  locale: ApiLocale;
  enterprise: { id: Id; name: string; kind: EnterpriseKind };
  team: { id: Id; name: string } | null;
}

export interface MeUpdate {
  locale?: ApiLocale;
  display_name?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface ApiToken {
  id: Id;
  name: string;
  prefix: string;
  role: Role;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  created_by: Id | null;
}

/** Returned once, by the create call: `token` is the secret and is never shown again. */
export interface CreatedApiToken extends ApiToken {
  token: string;
}

export interface TokenCreate {
  name: string;
  expires_in_days?: number;
}

export interface User {
  id: Id;
  email: string;
  display_name: string;
  role: Role;
  enterprise_id: Id;
  team_id: Id | null;
  is_active: boolean;
  created_at: string;
}

export interface Enterprise {
  id: Id;
  name: string;
  kind: EnterpriseKind;
  created_at: string;
  is_active: boolean;
}

export interface Job {
  id: Id;
  name: string;
  domain: Domain;
  data_kind: DataKind;
  status: JobStatus;
  overlap: number;
  /** Decimal string in `currency` (CNY), e.g. "0.35". */
  price_per_item: string;
  currency: string;
  deadline: string | null;
  client_id: Id;
  vendor_ids: Id[];
  created_at: string;
}

export interface FieldError {
  field: string;
  message: string;
}

/** The server's one error body: `{"error", "detail", "fields"?}`. */
export interface ErrorBody {
  error: string;
  detail: string;
  fields?: FieldError[];
}

// ---- labeling (the annotator's workstation) -----------------------------------------------

export type LabelKind =
  | "image_classification"
  | "text_classification"
  | "image_boxes"
  | "image_polygons"
  | "text_spans";

export interface LabelDef {
  /** Stable identifier (exports, answers). */
  name: string;
  /** What annotators see; falls back to `name`. */
  title?: string | null;
  /** "#rrggbb" */
  color?: string | null;
  /** One key: a digit or a lowercase letter. */
  shortcut?: string | null;
}

export interface LabelSchema {
  kind: LabelKind;
  labels: LabelDef[];
  /** Classification: several labels per item. */
  multi?: boolean;
  /** text_spans: spans may overlap. */
  allow_overlap?: boolean;
  /** image_boxes: the smallest width/height in pixels the server accepts. */
  min_size_px?: number;
  /** image_polygons: the most points per polygon. */
  max_points?: number;
}

/** `GET /jobs/{id}`: a Job with what the workstation needs. */
export interface JobDetail extends Job {
  label_schema: LabelSchema;
  instructions: string;
  lease_seconds: number;
}

export interface WorkItem {
  id: number;
  kind: DataKind;
  text: string | null;
  image_url: string | null;
  width: number | null;
  height: number | null;
  meta: Record<string, unknown>;
}

/** Offsets are Unicode code points (not UTF-16 units). */
export interface Span {
  label: string;
  start: number;
  end: number;
}

export type Answer =
  | { label: string }
  | { labels: string[] }
  | { spans: Span[] }
  | Record<string, unknown>;

/** Why an item is labeled again: the QA reviewer rejected it with this comment. */
export interface ReworkNote {
  item_id: number;
  note: string;
}

export interface Assignment {
  id: number;
  job_id: string;
  lease_expires_at: string;
  items: WorkItem[];
  /** The autosaved answers by item id (as sent to PUT draft), when there is one. */
  draft: Record<string, unknown> | null;
  others: { item_id: number; answer: unknown }[] | null;
  /** Reviewers' notes on items sent back for rework (absent from assignments an older
   *  version kept on this device). */
  rework?: ReworkNote[];
}

export type NoWorkReason = "no_jobs" | "all_done" | "holding_max";

export interface NextOut {
  assignment: Assignment | null;
  reason: NoWorkReason | null;
}

export interface NextRequest {
  job_id?: string;
  holding?: number[];
}

export interface SubmitRequest {
  submission_id: string;
  labels: { item_id: number; answer: Answer }[];
  active_ms: number;
  started_at?: string;
  next?: boolean;
  next_job_id?: string;
}

export interface SubmitOut {
  assignment_id: number;
  submission_id: string;
  replayed: boolean;
  labels: { id: number; item_id: number; answer: unknown; submitted_at: string }[];
  next: NextOut | null;
}

export type SkipReason = "unclear" | "bad_data" | "not_sure" | "offensive" | "other";

export interface SkipRequest {
  reason: SkipReason;
  note?: string;
  next?: boolean;
  next_job_id?: string;
}

export interface SkipOut {
  assignment_id: number;
  flagged: boolean;
  next: NextOut | null;
}

export interface LeaseOut {
  assignment_id: number;
  lease_expires_at: string;
}

export interface DraftOut {
  assignment_id: number;
  saved_at: string;
}

/** `GET /labeling/standing`: the caller's standing on one running job they worked on. */
export interface MyStanding {
  job_id: string;
  job_name: string;
  labels: number;
  gold_total: number;
  gold_correct: number;
  gold_accuracy: number | null;
  /** 95% Wilson interval of the gold accuracy. */
  gold_accuracy_ci: [number, number] | null;
  flagged_at: string | null;
  flag_reason: string | null;
  paused: boolean;
  pause_reason: string | null;
  paused_at: string | null;
}

// ---- quality control (the QA lead's dashboard and review queue) ----------------------------

export type ConsensusState = "open" | "decided" | "review" | "reviewed" | "rework";
export type ReviewReason = "low_agreement" | "sampled" | "annotator_paused";
export type ReviewAction = "accept" | "pick" | "correct" | "reject";
export type LabelStatus = "pending" | "accepted" | "rejected";

/** One class's agreement: single-label jobs have specific agreement and one-vs-rest kappa,
 * multi-label jobs alpha and observed agreement of the class's yes/no question. */
export interface ClassMetric {
  label: string;
  specific_agreement?: number | null;
  kappa?: number | null;
  krippendorff_alpha?: number | null;
  observed_agreement?: number | null;
}

/** Agreement metrics of the last refit; boxes, polygons and spans only have `labels`. */
export interface QualityMetrics {
  krippendorff_alpha?: number | null;
  fleiss_kappa?: number | null;
  observed_agreement?: number | null;
  per_class?: ClassMetric[];
  /** Pairwise Cohen's kappa between annotators with shared items (square, by `annotators`). */
  cohen_kappa?: { annotators: string[]; kappa: (number | null)[][]; shared: number[][] };
  /** Dawid–Skene confusion per annotator id: [true class][given class], schema order. */
  confusion?: Record<string, number[][]>;
  labels?: number;
  items?: number;
  annotators?: number;
}

export interface QualityReport {
  job_id: string;
  label_kind: LabelKind;
  method: string;
  target: number;
  items: Record<ConsensusState, number>;
  mean_confidence: number | null;
  mean_agreement: number | null;
  model_fitted_at: string | null;
  labels_at_fit: number;
  metrics: QualityMetrics | null;
  metrics_at: string | null;
  /** Names of the annotators in `metrics` (null where the caller may not see them). */
  annotator_names: Record<string, string | null>;
}

export type AnnotatorSort = "flagged" | "gold_accuracy" | "agreement" | "est_accuracy" | "labels" | "name";

export interface AnnotatorStanding {
  annotator_id: string;
  display_name: string;
  vendor_id: string;
  labels: number;
  gold_labels: number;
  skips: number;
  skip_streak: number;
  held: number;
  flagged_at: string | null;
  flag_reason: string | null;
  paused: boolean;
  pause_reason: string | null;
  paused_at: string | null;
  last_label_at: string | null;
  gold_total: number;
  gold_correct: number;
  gold_accuracy: number | null;
  /** 95% Wilson interval. */
  gold_accuracy_ci: [number, number] | null;
  judged: number;
  agreed: number;
  agreement: number | null;
  est_accuracy: number | null;
  fast_labels: number;
}

export interface ConsensusOut {
  state: ConsensusState;
  answer: unknown;
  confidence: number;
  agreement: number | null;
  n_labels: number;
  method: string;
  review_reason: ReviewReason | null;
  rework_note: string | null;
}

export interface ReviewLabel {
  label_id: number;
  annotator_id: string;
  /** Only for the reviewer's own enterprise's people (and for park admins). */
  display_name: string | null;
  vendor_id: string;
  answer: unknown;
  counted: boolean;
  agrees: boolean | null;
  status: LabelStatus;
  active_ms: number;
  submitted_at: string;
}

export interface ReviewRecord {
  id: number;
  reviewer_id: string | null;
  /** Shown to the park, the job's client and the reviewer's own enterprise; else null. */
  reviewer_name: string | null;
  action: ReviewAction;
  label_id: number | null;
  before: unknown;
  after: unknown;
  comment: string | null;
  created_at: string;
}

export interface ReviewItem {
  item_id: number;
  kind: DataKind;
  text: string | null;
  image_url: string | null;
  width: number | null;
  height: number | null;
  consensus: ConsensusOut | null;
  labels: ReviewLabel[];
  history: ReviewRecord[];
}

export type ReviewRequest =
  | { action: "accept"; comment?: string }
  | { action: "pick"; label_id: number; comment?: string }
  | { action: "correct"; answer: Answer; comment?: string }
  | { action: "reject"; comment: string };

export interface PauseRequest {
  paused: boolean;
  reason?: string;
}

// ---- statistics: roll-ups, progress, the park dashboard, statements (src/stats/) -----------

/** Decimal amounts (CNY) arrive as JSON strings, e.g. "12.3400". */
export type Decimal = string;

export type Granularity = "hour" | "day" | "week" | "month";
export type GroupBy = "park" | "annotator" | "team" | "vendor" | "job" | "client" | "domain" | "kind";

/** `GET /stats/work`: one period of one group (or the totals). Fields marked optional are
 * newer than some servers: show "—" when they are absent. */
export interface WorkRow {
  /** First day of the period (Asia/Shanghai), "YYYY-MM-DD". */
  period: string;
  /** Hour of the day (0–23) for granularity "hour". */
  hour?: number | null;
  /** The annotator, team, vendor, job or client (UUID), a domain or data kind; null for the
   * park (and for annotators in no team, grouped by team). */
  key: string | null;
  name: string | null;
  labels: number;
  gold_labels: number;
  accepted: number;
  rejected: number;
  pending: number;
  skips: number;
  active_hours: number;
  lease_hours: number;
  labels_per_active_hour: number | null;
  earned: Decimal;
  gold_judged?: number;
  gold_correct?: number;
  judged?: number;
  agreed?: number;
  gold_accuracy?: number | null;
  /** Agreement with consensus: agreed / judged. */
  agreement?: number | null;
}

export interface WorkReport {
  granularity: Granularity;
  group_by: GroupBy;
  start: string;
  end: string;
  rows: WorkRow[];
  totals: WorkRow;
}

export interface WorkQuery {
  start?: string;
  end?: string;
  granularity?: Granularity;
  group_by?: GroupBy;
  job_id?: string;
  vendor_id?: string;
  annotator_id?: string;
}

export interface VendorProgress {
  vendor_id: string;
  labels: number;
  annotators: number;
  held: number;
  skips: number;
}

/** `GET /jobs/{id}/progress`. */
export interface JobProgress {
  job_id: string;
  status: JobStatus;
  overlap: number;
  tasks: number;
  items_total: number;
  items_done: number;
  items_in_progress: number;
  items_remaining: number;
  labels_needed: number;
  labels_submitted: number;
  leases_held: number;
  gold_labels: number;
  datasets_processing: number;
  vendors: VendorProgress[];
  labels_last_hour?: number;
  labels_last_24h?: number;
  rate_per_hour?: number | null;
  /** When the job should be done at the current rate; null without a recent rate or when
   * nothing remains. */
  eta?: string | null;
}

export interface Target {
  value: Decimal;
  target: Decimal;
  /** value / target */
  share: number;
}

export interface MonthFigures {
  month: string;
  active_annotators: number;
  active_vendors: number;
  labels: number;
  accepted: number;
  revenue: Decimal;
}

export interface ParkDashboard {
  as_of: string;
  active_annotators_7d: Target;
  active_annotators_30d: Target;
  active_enterprises_30d: Target;
  revenue_12m: Target;
  headcount: Target;
  trend: MonthFigures[];
}

export interface StatementLine {
  job_id: string;
  job_name: string;
  annotator_id: string | null;
  annotator_name: string | null;
  labels: number;
  gold_labels: number;
  accepted: number;
  rejected: number;
  pending: number;
  amount: Decimal;
}

export interface Statement {
  enterprise_id: string;
  enterprise_name: string;
  kind: EnterpriseKind;
  month: string;
  currency: string;
  lines: StatementLine[];
  accepted: number;
  pending: number;
  total: Decimal;
}

export interface AwardRuleIn {
  threshold_cny: Decimal;
  award_cny: Decimal;
  min_staff: number;
}

export interface AwardRule extends AwardRuleIn {
  id: number;
}

export interface Milestone {
  enterprise_id: string;
  enterprise_name: string;
  staff: number;
  year_revenue: Decimal;
  threshold_cny: Decimal;
  award_cny: Decimal;
  passed_on: string;
}

export interface MilestoneReport {
  year: number;
  rules: AwardRule[];
  milestones: Milestone[];
  total_awards: Decimal;
}

/** `GET /enterprises/directory`: the park's register of active companies. */
export interface DirectoryEntry {
  id: string;
  name: string;
  kind: EnterpriseKind;
}

// ---- exports: a job's labels as files (src/stats/exports.ts) ------------------------------

export type ExportStatus = "queued" | "running" | "done" | "failed";
/** consensus: one answer per item; raw: every annotator's label too. */
export type ExportLabels = "consensus" | "raw";

/** `GET /exports/formats`: a format and the label kinds it can hold. */
export interface ExportFormat {
  name: string;
  label_kinds: string[];
  /** Whether it can hold every annotator's label (raw exports). */
  raw: boolean;
  content_type: string;
  extension: string;
  description: string;
}

/** `POST /jobs/{id}/exports`: what to export (the server fills in the rest). */
export interface ExportRequest {
  format: string;
  labels: ExportLabels;
  only_accepted?: boolean;
  min_confidence?: number;
  image_urls?: boolean;
}

export interface ExportOut {
  id: string;
  job_id: string;
  format: string;
  labels: ExportLabels;
  filters: Record<string, unknown>;
  status: ExportStatus;
  /** Items in the file (while running: items read). */
  items_written: number;
  items_skipped: number;
  labels_written: number;
  warnings: string[];
  file_name: string | null;
  content_type: string | null;
  size_bytes: number | null;
  sha256: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** When done: a signed link to the file (valid for an hour). */
  download_url: string | null;
}
