/** The contract between the app shell and a page module (src/pages/*.ts). */
import type { TemplateResult } from "lit-html";
import type { Me } from "../api/types";

export type NoticeKind = "info" | "success" | "error";

export interface PageContext {
  me: Me;
  /** ":name" segments of the route pattern. */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  /** Aborted when the user leaves the page: pass it to API calls. */
  signal: AbortSignal;
  /** Ask the shell to re-render (after the page changed its own state). */
  update(): void;
  navigate(to: string): void;
  /** A message in the shell's live region (e.g. "Token revoked"). */
  notify(message: string, kind?: NoticeKind): void;
}

export interface PageInstance {
  /** Called on every render (state change, language switch): read state, return a template. */
  view(): TemplateResult;
  destroy?(): void;
}

export type PageFactory = (ctx: PageContext) => PageInstance;
