import { describe, expect, it } from "vitest";
import type { EnterpriseKind, Role } from "../src/api/types";
import { hasMessage } from "../src/i18n";
import { loginUrl, matchPath, parseLocation, safeNext } from "../src/router";
import { ALL_ROLES, PAGES, canOpen, findPage, isCurrentNav, navFor } from "../src/routes";

const ids = (role: Role, kind?: EnterpriseKind) => navFor(role, kind).map((p) => p.id);

describe("role → navigation table", () => {
  it("gives every role the home page first", () => {
    for (const role of ALL_ROLES) expect(ids(role)[0]).toBe("home");
  });

  it("matches the brief for each role", () => {
    expect(ids("annotator", "vendor")).toEqual(["home", "work", "stats-me"]);
    expect(ids("client_member", "client")).toEqual(["home", "quality", "stats-jobs"]);
    expect(ids("qa_lead", "vendor")).toEqual(["home", "quality", "stats-team", "members"]);
    expect(ids("enterprise_admin", "vendor")).toEqual(["home", "quality", "stats-team", "members", "tokens"]);
    expect(ids("enterprise_admin", "client")).toEqual(["home", "quality", "stats-jobs", "members", "tokens"]);
    expect(ids("park_admin", "park_operator")).toEqual([
      "home",
      "quality",
      "stats-jobs",
      "stats-park",
      "members",
      "tokens",
      "enterprises",
    ]);
  });

  it("gives a vendor's people the team and a client's the job progress", () => {
    const team = PAGES.find((p) => p.id === "stats-team")!;
    const jobs = PAGES.find((p) => p.id === "stats-jobs")!;
    expect(canOpen("enterprise_admin", team, "vendor")).toBe(true);
    expect(canOpen("enterprise_admin", team, "client")).toBe(false);
    expect(canOpen("enterprise_admin", jobs, "client")).toBe(true);
    expect(canOpen("enterprise_admin", jobs, "vendor")).toBe(false);
    expect(canOpen("park_admin", jobs, "park_operator")).toBe(true);
    expect(canOpen("park_admin", findPage("/stats/jobs/abc")!.page, "park_operator")).toBe(true);
    expect(canOpen("client_member", findPage("/stats/jobs/abc")!.page, "client")).toBe(true);
    expect(canOpen("annotator", findPage("/stats/me")!.page, "vendor")).toBe(true);
    expect(canOpen("qa_lead", findPage("/stats/me")!.page, "vendor")).toBe(false);
  });

  it("lets admins and the park, not others, open statements", () => {
    const { page, params } = findPage("/stats/statements/2025-06")!;
    expect(page.id).toBe("statement");
    expect(params).toEqual({ month: "2025-06" });
    expect(ALL_ROLES.filter((r) => canOpen(r, page))).toEqual(["park_admin", "enterprise_admin"]);
    // Marked in the nav under whichever stats page the viewer has.
    expect(isCurrentNav("stats-team", page)).toBe(true);
    expect(isCurrentNav("stats-park", page)).toBe(true);
    expect(isCurrentNav("home", page)).toBe(false);
  });

  it("only annotators can open the workstation", () => {
    const work = PAGES.find((p) => p.id === "work")!;
    expect(ALL_ROLES.filter((r) => canOpen(r, work))).toEqual(["annotator"]);
  });

  it("only admins can open the token page", () => {
    const tokens = PAGES.find((p) => p.id === "tokens")!;
    expect(ALL_ROLES.filter((r) => canOpen(r, tokens))).toEqual(["park_admin", "enterprise_admin"]);
  });

  it("has unique ids and paths, known roles and translated titles", () => {
    expect(new Set(PAGES.map((p) => p.id)).size).toBe(PAGES.length);
    expect(new Set(PAGES.map((p) => p.path)).size).toBe(PAGES.length);
    for (const p of PAGES) {
      expect(hasMessage(p.titleKey)).toBe(true);
      expect(p.roles.length).toBeGreaterThan(0);
      for (const r of p.roles) expect(ALL_ROLES).toContain(r);
      expect(p.path.startsWith("/")).toBe(true);
      expect(p.path.startsWith("/api")).toBe(false);
    }
  });

  it("finds pages by path", () => {
    expect(findPage("/")?.page.id).toBe("home");
    expect(findPage("/tokens")?.page.id).toBe("tokens");
    expect(findPage("/work")?.page.id).toBe("work");
    expect(findPage("/nope")).toBeNull();
  });
});

describe("router helpers", () => {
  it("matches patterns with params", () => {
    expect(matchPath("/jobs/:id", "/jobs/42")).toEqual({ id: "42" });
    expect(matchPath("/jobs/:id", "/jobs")).toBeNull();
    expect(matchPath("/", "/")).toEqual({});
  });

  it("normalizes trailing slashes", () => {
    expect(parseLocation("/tokens/", "?a=1").full).toBe("/tokens?a=1");
    expect(parseLocation("/", "").path).toBe("/");
  });

  it("only allows in-app paths after login", () => {
    expect(safeNext("/tokens?x=1")).toBe("/tokens?x=1");
    expect(safeNext(null)).toBe("/");
    expect(safeNext("https://evil.example/")).toBe("/");
    expect(safeNext("//evil.example/")).toBe("/");
    expect(safeNext("/\\evil.example")).toBe("/");
    expect(safeNext("/login?next=/x")).toBe("/");
    expect(loginUrl("/members?offset=20")).toBe("/login?next=%2Fmembers%3Foffset%3D20");
    expect(loginUrl("/")).toBe("/login");
  });
});
