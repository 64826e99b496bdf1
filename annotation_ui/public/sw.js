/*
 * Brigade's service worker: the app shell without network, so a reload of the workstation
 * offline comes back with the leases, drafts and queue it kept in IndexedDB (src/work/).
 *
 * - Install: caches index.html, the favicon and every built file under /assets/ (the list is
 *   written into BUILD below by vite.config.ts at build time; a build without it still caches
 *   assets as they are fetched).
 * - Navigations: the network first; without network, the cached index.html (client routing
 *   does the rest). Assets: the cache first (their names carry a content hash).
 * - /api/ and everything else: never touched here (the workstation keeps what it needs in
 *   IndexedDB); the browser fetches them as if there were no worker.
 *
 * Each build has its own cache; activating a new worker deletes the older ones.
 * Served from the UI root with `Cache-Control: no-cache` (app/main.py), so its scope is "/".
 */

const BUILD = { version: "dev", assets: [] }; // BRIGADE_BUILD (replaced by vite.config.ts)

const PREFIX = "brigade-shell-";
const CACHE = PREFIX + BUILD.version;
const SHELL = "/index.html";
const NOT_SHELL = /^\/(api|health|metrics)(\/|$)/;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // `reload`: straight from the server, not from the HTTP cache (a stale index.html would
      // point at assets of another build).
      .then((cache) => cache.addAll([SHELL, "/favicon.svg", ...BUILD.assets].map((url) => new Request(url, { cache: "reload" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || NOT_SHELL.test(url.pathname)) return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(request));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(asset(request));
  }
});

/** The page from the server; without network, the cached shell. */
async function navigation(request) {
  try {
    return await fetch(request);
  } catch (err) {
    const shell = await caches.match(SHELL, { cacheName: CACHE });
    if (shell) return shell;
    throw err;
  }
}

/** Hashed files never change: the cached copy, else the network (kept for next time). */
async function asset(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}
