/**
 * The one way the app talks to the server: same-origin fetch with the session cookie, the
 * `X-Requested-With` header the server requires (CSRF guard), JSON in and out, and every failure
 * turned into an `ApiError` carrying the server's `{error, detail, fields}`.
 */
import type { FieldError } from "./types";

export const API_BASE = "/api/v1";

export class ApiError extends Error {
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** The server's error kind ("NotAuthenticated", "ValidationError", ...) or "NetworkError". */
  readonly kind: string;
  /** Human message from the server; empty when the server sent none (e.g. a proxy's HTML). */
  readonly detail: string;
  readonly fields: readonly FieldError[];
  /** How long the server asked us to wait (`Retry-After` on 429/503), in ms; null when it did not. */
  retryAfterMs: number | null = null;

  constructor(status: number, kind: string, detail: string, fields: readonly FieldError[] = []) {
    super(detail || `${kind} (HTTP ${status})`);
    this.name = "ApiError";
    this.status = status;
    this.kind = kind;
    this.detail = detail;
    this.fields = fields;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }
}

const KIND_BY_STATUS: Readonly<Record<number, string>> = {
  400: "BadRequest",
  401: "NotAuthenticated",
  403: "PermissionDenied",
  404: "NotFound",
  405: "MethodNotAllowed",
  409: "Conflict",
  413: "PayloadTooLarge",
  415: "UnsupportedMediaType",
  422: "ValidationError",
  429: "TooManyRequests",
  500: "InternalError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

function kindForStatus(status: number): string {
  return KIND_BY_STATUS[status] ?? "HTTPError";
}

function parseFields(value: unknown): FieldError[] {
  if (!Array.isArray(value)) return [];
  const out: FieldError[] = [];
  for (const item of value) {
    if (item && typeof item === "object") {
      const { field, message } = item as Record<string, unknown>;
      if (typeof message === "string") {
        out.push({ field: typeof field === "string" ? field : "", message });
      }
    }
  }
  return out;
}

/**
 * Build an ApiError from a failed response's status and raw body text. Accepts the server's
 * envelope, FastAPI's bare `{"detail": "..."}`, and non-JSON bodies (a proxy's error page).
 */
export function parseError(status: number, bodyText: string): ApiError {
  let body: unknown = null;
  try {
    body = bodyText ? JSON.parse(bodyText) : null;
  } catch {
    body = null;
  }
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const b = body as Record<string, unknown>;
    const kind = typeof b.error === "string" && b.error ? b.error : kindForStatus(status);
    const detail = typeof b.detail === "string" ? b.detail : "";
    // FastAPI's default 422 puts the field list under "detail"; keep those messages too.
    const fields = parseFields(b.fields ?? (Array.isArray(b.detail) ? toFields(b.detail) : null));
    return new ApiError(status, kind, detail, fields);
  }
  return new ApiError(status, kindForStatus(status), "");
}

function toFields(detail: unknown[]): FieldError[] {
  return detail.flatMap((d) => {
    if (!d || typeof d !== "object") return [];
    const { loc, msg } = d as Record<string, unknown>;
    if (typeof msg !== "string") return [];
    const field = Array.isArray(loc) ? loc.filter((p) => p !== "body").join(".") : "";
    return [{ field, message: msg }];
  });
}

/** `Retry-After` as milliseconds: delay-seconds or an HTTP date; null when absent or invalid. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export function networkError(cause: unknown): ApiError {
  const err = new ApiError(0, "NetworkError", "");
  (err as { cause?: unknown }).cause = cause;
  return err;
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === "AbortError";
}

// ---- requests ----------------------------------------------------------------------------

type UnauthorizedHandler = (err: ApiError) => void;
let onUnauthorized: UnauthorizedHandler | null = null;

/** The app registers what a 401 does (go to login, remembering the route). */
export function setUnauthorizedHandler(fn: UnauthorizedHandler | null): void {
  onUnauthorized = fn;
}

export interface RequestOptions {
  body?: unknown;
  query?: Readonly<Record<string, string | number | boolean | null | undefined>>;
  signal?: AbortSignal;
  /** Don't run the global 401 handler (the login call: a 401 there means wrong password). */
  noAuthRedirect?: boolean;
}

export function buildUrl(path: string, query?: RequestOptions["query"]): string {
  const url = path.startsWith("/") ? path : `${API_BASE}/${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null) params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

export async function request<T>(
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers: Record<string, string> = {
    Accept: "application/json",
    "X-Requested-With": "XMLHttpRequest",
  };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw networkError(err);
  }

  const text = response.status === 204 ? "" : await response.text();
  if (!response.ok) {
    const err = parseError(response.status, text);
    err.retryAfterMs = parseRetryAfter(response.headers.get("Retry-After"));
    if (err.status === 401 && !options.noAuthRedirect && onUnauthorized) onUnauthorized(err);
    throw err;
  }
  if (!text) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(response.status, "InvalidResponse", "");
  }
}
