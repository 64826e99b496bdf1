/**
 * What the shell needs to start without network: the service worker (public/sw.js) that serves
 * the app's files offline, and the last signed-in identity kept on this device, so a reload
 * offline opens the page (the workstation, with what it kept in IndexedDB) instead of failing on
 * `GET /auth/me`. The identity is only a starting point: it is checked again once the server
 * answers, and forgotten on sign-out or when the session turns out to have ended.
 */
import { ApiError } from "./api/client";
import type { Me } from "./api/types";

export const ME_STORAGE_KEY = "brigade.me";

type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function defaultStore(): KeyValueStore | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled (privacy mode)
  }
}

export function rememberMe(me: Me, store: KeyValueStore | null = defaultStore()): void {
  try {
    store?.setItem(ME_STORAGE_KEY, JSON.stringify(me));
  } catch {
    // full or disabled: the app then needs the network to start, as before
  }
}

export function forgetMe(store: KeyValueStore | null = defaultStore()): void {
  try {
    store?.removeItem(ME_STORAGE_KEY);
  } catch {
    // nothing kept
  }
}

/** The identity kept on this device, if it still looks like one. */
export function cachedMe(store: KeyValueStore | null = defaultStore()): Me | null {
  let value: unknown;
  try {
    const raw = store?.getItem(ME_STORAGE_KEY);
    value = raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
  if (!value || typeof value !== "object") return null;
  const me = value as Partial<Me>;
  const idOk = typeof me.id === "string" || typeof me.id === "number";
  const enterpriseOk = !!me.enterprise && typeof me.enterprise === "object" && typeof me.enterprise.name === "string";
  return idOk && typeof me.role === "string" && typeof me.email === "string" && enterpriseOk ? (me as Me) : null;
}

/** The server could not be reached (no network, or a proxy saying the server is down): not an answer about the session. */
export function isUnreachable(err: unknown): boolean {
  return err instanceof ApiError && (err.isNetwork || err.status === 502 || err.status === 503 || err.status === 504);
}

/** Only a production build served over http(s) registers the worker (not the dev server, not tests). */
export function shouldRegisterWorker(prod: boolean, protocol: string, supported: boolean): boolean {
  return prod && supported && (protocol === "http:" || protocol === "https:");
}

export function registerServiceWorker(): void {
  const supported = typeof navigator !== "undefined" && "serviceWorker" in navigator;
  if (!shouldRegisterWorker(import.meta.env.PROD, globalThis.location?.protocol ?? "", supported)) return;
  // A missing or broken worker only means no offline reload: the app works as before.
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => undefined);
}
