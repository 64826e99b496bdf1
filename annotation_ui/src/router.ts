/**
 * A small History-API router. Paths are real URLs (`/tokens`), so the server must answer any
 * non-API path with index.html (the SPA fallback). In-app `<a href="/...">` links are
 * intercepted; add `data-native` to a link to let the browser handle it.
 */

export interface AppLocation {
  path: string;
  query: URLSearchParams;
  /** path + search, as used in `?next=` */
  full: string;
}

type Listener = (location: AppLocation) => void;
let listener: Listener | null = null;
let lastFull = "";

function emit(): void {
  const loc = currentLocation();
  lastFull = loc.full;
  listener?.(loc);
}

export function parseLocation(pathname: string, search: string): AppLocation {
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname || "/";
  return { path, query: new URLSearchParams(search), full: path + search };
}

export function currentLocation(): AppLocation {
  return parseLocation(window.location.pathname, window.location.search);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  emit();
}

/** Match "/jobs/:id" against "/jobs/42" → { id: "42" }; null when it doesn't match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return params;
}

/** Only same-app paths are allowed after login (no "//evil.example" or "https://..."). */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  if (next === "/login" || next.startsWith("/login?") || next.startsWith("/api/")) return "/";
  return next;
}

export function loginUrl(next: string): string {
  const target = safeNext(next);
  return target === "/" ? "/login" : `/login?next=${encodeURIComponent(target)}`;
}

function onClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || anchor.hasAttribute("data-native") || anchor.hasAttribute("download")) return;
  if (anchor.target && anchor.target !== "_self") return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  const samePage = url.pathname === window.location.pathname && url.search === window.location.search;
  if (url.hash && samePage) return; // in-page anchor: the browser scrolls to it
  if (url.pathname.startsWith("/api/") || url.pathname === "/health") return;
  event.preventDefault();
  const to = url.pathname + url.search;
  if (!samePage) navigate(to);
  else emit(); // clicking the current page's link reloads its data
}

/** Start listening; calls `onChange` now with the current location, then on every change. */
export function startRouter(onChange: Listener): void {
  listener = onChange;
  window.addEventListener("popstate", () => {
    // A fragment-only change (#section) is not a route change.
    if (currentLocation().full !== lastFull) emit();
  });
  document.addEventListener("click", onClick);
  emit();
}
