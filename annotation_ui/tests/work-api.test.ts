import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api/client";
import { api } from "../src/api/endpoints";

afterEach(() => vi.unstubAllGlobals());

function stubFetch(status: number, body: unknown) {
  const mock = vi.fn(async () => new Response(JSON.stringify(body), { status }));
  vi.stubGlobal("fetch", mock);
  return () => mock.mock.calls[0] as unknown as [string, RequestInit];
}

describe("labeling endpoints", () => {
  it("asks for the next assignment of one job", async () => {
    const call = stubFetch(200, { assignment: null, reason: "all_done" });
    const res = await api.nextAssignment({ job_id: "j1" });
    expect(res.reason).toBe("all_done");
    const [url, init] = call();
    expect(url).toBe("/api/v1/labeling/next");
    expect(init.method).toBe("POST");
    expect(JSON.parse(init.body as string)).toEqual({ job_id: "j1" });
  });

  it("submits with the client's submission id and asks for the next item", async () => {
    const call = stubFetch(200, { assignment_id: 5, submission_id: "s", replayed: false, labels: [], next: null });
    await api.submitAssignment(5, {
      submission_id: "s",
      labels: [{ item_id: 9, answer: { label: "pos" } }],
      active_ms: 1200,
      next: true,
    });
    const [url, init] = call();
    expect(url).toBe("/api/v1/labeling/assignments/5/submit");
    expect(JSON.parse(init.body as string)).toMatchObject({ submission_id: "s", active_ms: 1200, next: true });
  });

  it("saves drafts with PUT and surfaces a lost lease as a typed 409", async () => {
    const call = stubFetch(200, { assignment_id: 5, saved_at: "2026-01-01T00:00:00Z" });
    await api.saveDraft(5, { "9": { label: "pos" } });
    const [url, init] = call();
    expect(url).toBe("/api/v1/labeling/assignments/5/draft");
    expect(init.method).toBe("PUT");
    expect(JSON.parse(init.body as string)).toEqual({ answers: { "9": { label: "pos" } } });

    stubFetch(409, { error: "LeaseLost", detail: "The lease ran out." });
    const err = await api.heartbeat(5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe("LeaseLost");
    expect((err as ApiError).status).toBe(409);
  });
});
