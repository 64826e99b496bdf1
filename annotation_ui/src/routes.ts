/**
 * The role → pages table: the one place that says which pages exist, where they live, and who
 * sees them in the navigation. A later issue adds a page by adding one entry here and one file
 * in ./pages (see README.md).
 */
import type { Role } from "./api/types";
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
  /** false for detail pages reached from other pages (e.g. "/jobs/:id"). */
  inNav: boolean;
  /** For a detail page: the navigation entry it belongs to (marked current while it shows). */
  navParent?: string;
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

export function canOpen(role: Role, page: PageDef): boolean {
  return page.roles.includes(role);
}

/** Navigation entries for a role, in table order. */
export function navFor(role: Role): PageDef[] {
  return PAGES.filter((p) => p.inNav && canOpen(role, p));
}

export function findPage(path: string): { page: PageDef; params: Record<string, string> } | null {
  for (const page of PAGES) {
    const params = matchPath(page.path, path);
    if (params) return { page, params };
  }
  return null;
}
