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
