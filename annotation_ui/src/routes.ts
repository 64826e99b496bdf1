/**
 * The role → pages table: the one place that says which pages exist, where they live, and who
 * sees them in the navigation. A later issue adds a page by adding one entry here and one file
 * in ./pages (see README.md).
 */
import type { EnterpriseKind, Role } from "./api/types";
import type { MessageKey } from "./i18n";
import { matchPath } from "./router";
import type { PageFactory } from "./ui/page";

export const ALL_ROLES: readonly Role[] = [
  "park_admin",
  "enterprise_admin",
  "annotator",
  "qa_lead",
  "client_member",
];

/** Who may see a job's quality and review its labels (the API refuses annotators). */
export const REVIEWER_ROLES: readonly Role[] = ["park_admin", "enterprise_admin", "qa_lead", "client_member"];

export interface PageDef {
  id: string;
  /** URL pattern; ":name" segments become ctx.params.name. */
  path: string;
  /** Page heading, document title and (if inNav) navigation label. */
  titleKey: MessageKey;
  roles: readonly Role[];
  /** Only for people of these kinds of enterprise (e.g. a vendor's admin, not a client's). */
  kinds?: readonly EnterpriseKind[];
  /** false for detail pages reached from other pages (e.g. "/jobs/:id"). */
  inNav: boolean;
  /** For a detail page: the navigation entry it belongs to (marked current while it shows);
   * several when the page is reached from different roles' pages (the one in the nav wins). */
  navParent?: string | readonly string[];
  /** Lazy: each page is its own chunk, so heavy pages (workstation, charts) don't slow login. */
  load: () => Promise<{ default: PageFactory }>;
}

export const PAGES: readonly PageDef[] = [
  {
    id: "home",
    path: "/",
    titleKey: "page.home",
    roles: ALL_ROLES,
    inNav: true,
    load: () => import("./pages/home"),
  },
  {
    id: "work",
    path: "/work",
    titleKey: "page.work",
    roles: ["annotator"],
    inNav: true,
    load: () => import("./pages/work"),
  },
  {
    id: "quality",
    path: "/quality",
    titleKey: "page.quality",
    roles: REVIEWER_ROLES,
    inNav: true,
    load: () => import("./pages/quality"),
  },
  {
    id: "quality-job",
    path: "/quality/jobs/:id",
    titleKey: "page.qualityJob",
    navParent: "quality",
    roles: REVIEWER_ROLES,
    inNav: false,
    load: () => import("./pages/quality-job"),
  },
  {
    id: "quality-review",
    path: "/quality/jobs/:id/review",
    titleKey: "page.qualityReview",
    navParent: "quality",
    roles: REVIEWER_ROLES,
    inNav: false,
    load: () => import("./pages/quality-review"),
  },
  {
    id: "stats-me",
    path: "/stats/me",
    titleKey: "page.statsMe",
    roles: ["annotator"],
    inNav: true,
    load: () => import("./pages/stats-me"),
  },
  {
    id: "stats-team",
    path: "/stats/team",
    titleKey: "page.statsTeam",
    roles: ["enterprise_admin", "qa_lead"],
    kinds: ["vendor"],
    inNav: true,
    load: () => import("./pages/stats-team"),
  },
  {
    id: "stats-jobs",
    path: "/stats/jobs",
    titleKey: "page.statsJobs",
    // The client's people follow their jobs; the park's admins every client's (and take their
    // exports out for them, which the API allows).
    roles: ["client_member", "enterprise_admin", "park_admin"],
    kinds: ["client", "park_operator"],
    inNav: true,
    load: () => import("./pages/stats-jobs"),
  },
  {
    id: "stats-job",
    path: "/stats/jobs/:id",
    titleKey: "page.statsJob",
    navParent: "stats-jobs",
    roles: ["client_member", "enterprise_admin", "park_admin"],
    kinds: ["client", "park_operator"],
    inNav: false,
    load: () => import("./pages/stats-job"),
  },
  {
    id: "stats-park",
    path: "/stats/park",
    titleKey: "page.statsPark",
    roles: ["park_admin"],
    inNav: true,
    load: () => import("./pages/stats-park"),
  },
  {
    id: "statement",
    path: "/stats/statements/:month",
    titleKey: "page.statement",
    navParent: ["stats-team", "stats-jobs", "stats-park"],
    // Statements are the enterprise admins' (their own) and the park's (anyone's).
    roles: ["enterprise_admin", "park_admin"],
    inNav: false,
    load: () => import("./pages/statement"),
  },
  {
    id: "members",
    path: "/members",
    titleKey: "page.members",
    // QA leads may list their vendor's people too (the API allows it).
    roles: ["enterprise_admin", "park_admin", "qa_lead"],
    inNav: true,
    load: () => import("./pages/members"),
  },
  {
    id: "tokens",
    path: "/tokens",
    titleKey: "page.tokens",
    roles: ["enterprise_admin", "park_admin"],
    inNav: true,
    load: () => import("./pages/tokens"),
  },
  {
    id: "enterprises",
    path: "/enterprises",
    titleKey: "page.enterprises",
    roles: ["park_admin"],
    inNav: true,
    load: () => import("./pages/enterprises"),
  },
];

/** Whether a role may open a page; with `kind`, also whether the page is for that kind of
 * enterprise (without it, role alone: what the tests of the role table check). */
export function canOpen(role: Role, page: PageDef, kind?: EnterpriseKind): boolean {
  return page.roles.includes(role) && (!kind || !page.kinds || page.kinds.includes(kind));
}

/** Navigation entries for a role (of an enterprise of `kind`), in table order. */
export function navFor(role: Role, kind?: EnterpriseKind): PageDef[] {
  return PAGES.filter((p) => p.inNav && canOpen(role, p, kind));
}

/** Whether navigation entry `id` is the current one while `page` shows. */
export function isCurrentNav(id: string, page: PageDef): boolean {
  return id === page.id || [page.navParent ?? []].flat().includes(id);
}

export function findPage(path: string): { page: PageDef; params: Record<string, string> } | null {
  for (const page of PAGES) {
    const params = matchPath(page.path, path);
    if (params) return { page, params };
  }
  return null;
}
