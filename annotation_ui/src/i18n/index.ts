/**
 * Translation: `t(key, params)` for every user-visible string, the active locale, and
 * labels for the server's closed vocabularies (role, enterprise kind, domain, ...).
 *
 * Adding a language: add a catalog in ./messages typed `Record<MessageKey, string>`,
 * list it in CATALOGS and LOCALES, and add its "lang.<code>" name to every catalog.
 */
import { en } from "./messages/en";
import { zhCN, type MessageKey } from "./messages/zh-CN";

export type { MessageKey };
export type Locale = "zh-CN" | "en";

export const LOCALES: readonly Locale[] = ["zh-CN", "en"];
export const DEFAULT_LOCALE: Locale = "zh-CN";
export const LOCALE_STORAGE_KEY = "brigade.locale";

export const CATALOGS: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = {
  "zh-CN": zhCN,
  en,
};

export type Params = Readonly<Record<string, string | number>>;

export function isLocale(value: unknown): value is Locale {
  return typeof value === "string" && (LOCALES as readonly string[]).includes(value);
}

/** The locale to start with: a valid stored choice, else zh-CN (most users read Chinese). */
export function initialLocale(stored: string | null | undefined): Locale {
  return isLocale(stored) ? stored : DEFAULT_LOCALE;
}

/** Pure translation for a given locale; numbers in params are formatted for that locale. */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const template = CATALOGS[locale][key] ?? CATALOGS[DEFAULT_LOCALE][key] ?? key;
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? new Intl.NumberFormat(locale).format(value) : value;
  });
}

export function hasMessage(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(CATALOGS[DEFAULT_LOCALE], key);
}

// ---- the active locale -------------------------------------------------------------------

let current: Locale = DEFAULT_LOCALE;
const listeners = new Set<(locale: Locale) => void>();

function readStored(): string | null {
  try {
    return globalThis.localStorage?.getItem(LOCALE_STORAGE_KEY) ?? null;
  } catch {
    return null; // storage disabled (privacy mode): fall back to the default
  }
}

function applyToDocument(locale: Locale): void {
  if (typeof document !== "undefined") document.documentElement.lang = locale;
}

/** Read the stored choice and apply it to <html lang>. Call once at start-up. */
export function initLocale(): Locale {
  current = initialLocale(readStored());
  applyToDocument(current);
  return current;
}

export function getLocale(): Locale {
  return current;
}

export function setLocale(locale: Locale): void {
  try {
    globalThis.localStorage?.setItem(LOCALE_STORAGE_KEY, locale);
  } catch {
    // not fatal: the choice just won't survive a reload
  }
  if (locale === current) return;
  current = locale;
  applyToDocument(locale);
  for (const fn of listeners) fn(locale);
}

export function onLocaleChange(fn: (locale: Locale) => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Translate in the active locale. */
export function t(key: MessageKey, params?: Params): string {
  return translate(current, key, params);
}

// ---- closed vocabularies from the API ----------------------------------------------------

export const VOCABULARIES = {
  role: ["park_admin", "enterprise_admin", "annotator", "qa_lead", "client_member"],
  enterpriseKind: ["park_operator", "client", "vendor"],
  domain: [
    "ecommerce",
    "search",
    "logistics",
    "finance",
    "autonomous_driving",
    "maps",
    "medical",
    "other",
  ],
  dataKind: ["image", "text"],
  jobStatus: ["draft", "running", "paused", "completed", "cancelled"],
  labelKind: ["image_classification", "text_classification", "image_boxes", "image_polygons", "text_spans"],
  skipReason: ["unclear", "bad_data", "not_sure", "offensive", "other"],
  exportStatus: ["queued", "running", "done", "failed"],
  exportLabels: ["consensus", "raw"],
  /** The export formats' display names (GET /exports/formats; a newer one shows its name). */
  exportFormat: ["jsonl", "coco", "yolo", "voc", "image_csv", "text_csv", "text_jsonl", "conll", "spacy", "label_studio"],
} as const;

export type Vocabulary = keyof typeof VOCABULARIES;

/** Label for an API enum value; an unknown (newer server) value is shown as-is. */
export function vocabLabel(vocabulary: Vocabulary, value: string, locale: Locale = current): string {
  const key = `${vocabulary}.${value}`;
  return hasMessage(key) ? translate(locale, key) : value;
}
