import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, buildUrl, parseError, request, setUnauthorizedHandler } from "../src/api/client";

describe("parseError", () => {
  it("reads the server's error envelope", () => {
    const err = parseError(
      422,
      JSON.stringify({
        error: "ValidationError",
        detail: "Invalid input — name: field required",
        fields: [{ field: "name", message: "field required" }],
      }),
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(422);
    expect(err.kind).toBe("ValidationError");
    expect(err.detail).toBe("Invalid input — name: field required");
    expect(err.fields).toEqual([{ field: "name", message: "field required" }]);
    expect(err.message).toBe(err.detail);
  });

  it("reads a 401 without fields", () => {
    const err = parseError(401, '{"error":"NotAuthenticated","detail":"Wrong email or password."}');
    expect(err.kind).toBe("NotAuthenticated");
    expect(err.detail).toBe("Wrong email or password.");
    expect(err.fields).toEqual([]);
  });

  it("falls back to a kind from the status when the body is not JSON", () => {
    const err = parseError(502, "<html><body>Bad Gateway</body></html>");
    expect(err.kind).toBe("BadGateway");
    expect(err.detail).toBe("");
    expect(err.status).toBe(502);
  });

  it("handles an empty body and unknown statuses", () => {
    expect(parseError(403, "").kind).toBe("PermissionDenied");
    expect(parseError(418, "").kind).toBe("HTTPError");
  });

  it("understands FastAPI's default validation shape", () => {
    const err = parseError(
      422,
      JSON.stringify({ detail: [{ loc: ["body", "email"], msg: "field required", type: "missing" }] }),
    );
    expect(err.kind).toBe("ValidationError");
    expect(err.fields).toEqual([{ field: "email", message: "field required" }]);
  });

  it("ignores malformed fields entries", () => {
    const err = parseError(400, JSON.stringify({ error: "BadRequest", detail: "x", fields: [1, { field: "a" }] }));
    expect(err.fields).toEqual([]);
  });
});

describe("buildUrl", () => {
  it("prefixes /api/v1 and drops empty query values", () => {
    expect(buildUrl("jobs", { limit: 20, offset: 0, q: undefined, r: null })).toBe(
      "/api/v1/jobs?limit=20&offset=0",
    );
    expect(buildUrl("/health")).toBe("/health");
  });
});

describe("request", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setUnauthorizedHandler(null);
  });

  it("sends the CSRF header, same-origin credentials and a JSON body", async () => {
    const fetchMock = vi.fn(async () => new Response('{"id":1}', { status: 201 }));
    vi.stubGlobal("fetch", fetchMock);
    const out = await request<{ id: number }>("POST", "tokens", { body: { name: "ci" } });
    expect(out).toEqual({ id: 1 });
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/api/v1/tokens");
    expect(init.method).toBe("POST");
    expect(init.credentials).toBe("same-origin");
    const headers = init.headers as Record<string, string>;
    expect(headers["X-Requested-With"]).toBe("XMLHttpRequest");
    expect(headers["Content-Type"]).toBe("application/json");
    expect(init.body).toBe('{"name":"ci"}');
  });

  it("returns undefined for 204", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response(null, { status: 204 })));
    await expect(request("DELETE", "tokens/1")).resolves.toBeUndefined();
  });

  it("throws ApiError and calls the 401 handler, except when told not to", async () => {
    const body = '{"error":"NotAuthenticated","detail":"Sign in first."}';
    vi.stubGlobal("fetch", vi.fn(async () => new Response(body, { status: 401 })));
    const handler = vi.fn();
    setUnauthorizedHandler(handler);
    await expect(request("GET", "jobs")).rejects.toMatchObject({ status: 401, detail: "Sign in first." });
    expect(handler).toHaveBeenCalledTimes(1);
    await expect(request("POST", "auth/login", { noAuthRedirect: true })).rejects.toBeInstanceOf(ApiError);
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it("turns a failed fetch into a NetworkError with status 0", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const err = await request("GET", "jobs").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe("NetworkError");
    expect((err as ApiError).isNetwork).toBe(true);
  });
});
