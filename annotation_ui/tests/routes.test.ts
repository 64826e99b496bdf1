import { describe, expect, it } from "vitest";
import type { Role } from "../src/api/types";
import { hasMessage } from "../src/i18n";
import { loginUrl, matchPath, parseLocation, safeNext } from "../src/router";
import { ALL_ROLES, PAGES, canOpen, findPage, navFor } from "../src/routes";

const ids = (role: Role) => navFor(role).map((p) => p.id);

describe("role → navigation table", () => {
  it("gives every role the home page first", () => {
    for (const role of ALL_ROLES) expect(ids(role)[0]).toBe("home");
  });

  it("matches the brief for each role", () => {
    expect(ids("annotator")).toEqual(["home", "work"]);
    expect(ids("client_member")).toEqual(["home", "quality"]);
    expect(ids("qa_lead")).toEqual(["home", "quality", "members"]);
    expect(ids("enterprise_admin")).toEqual(["home", "quality", "members", "tokens"]);
    expect(ids("park_admin")).toEqual(["home", "quality", "members", "tokens", "enterprises"]);
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
