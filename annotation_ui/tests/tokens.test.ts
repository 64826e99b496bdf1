import { describe, expect, it } from "vitest";
import type { ApiToken } from "../src/api/types";
import { tokenStatus } from "../src/pages/tokens";

const base: ApiToken = {
  id: 1,
  name: "ci",
  prefix: "brg_ab12",
  role: "enterprise_admin",
  created_at: "2025-01-01T00:00:00Z",
  last_used_at: null,
  expires_at: null,
  revoked_at: null,
  created_by: 7,
};
const now = new Date("2025-06-01T00:00:00Z");

describe("tokenStatus", () => {
  it("is active without expiry or revocation", () => {
    expect(tokenStatus(base, now)).toBe("active");
    expect(tokenStatus({ ...base, expires_at: "2025-07-01T00:00:00Z" }, now)).toBe("active");
  });
  it("is expired past expires_at", () => {
    expect(tokenStatus({ ...base, expires_at: "2025-05-01T00:00:00Z" }, now)).toBe("expired");
  });
  it("revocation wins", () => {
    expect(
      tokenStatus({ ...base, revoked_at: "2025-05-02T00:00:00Z", expires_at: "2025-05-01T00:00:00Z" }, now),
    ).toBe("revoked");
  });
});
