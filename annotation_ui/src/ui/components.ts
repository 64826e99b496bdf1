/** Small view helpers shared by pages. Every string goes through t(). */
import { html, nothing, type TemplateResult } from "lit-html";
import { ApiError } from "../api/client";
import { LOCALES, getLocale, hasMessage, t, type Locale } from "../i18n";
import { formatDate, formatDateTime } from "../i18n/format";

/** Language picker; `id` must be unique on the page. */
export function langSwitcher(id: string, onSelect: (locale: Locale) => void): TemplateResult {
  const current = getLocale();
  return html`<div class="lang">
    <label for=${id}>${t("lang.label")}</label>
    <select
      id=${id}
      @change=${(e: Event) => onSelect((e.target as HTMLSelectElement).value as Locale)}
    >
      ${LOCALES.map(
        (l) =>
          html`<option value=${l} lang=${l} ?selected=${l === current}>
            ${t(`lang.${l}` as const)}
          </option>`,
      )}
    </select>
  </div>`;
}

/** Heading for an error: the translated kind, or a generic title. */
export function errorTitle(err: unknown): string {
  if (err instanceof ApiError) {
    const key = `error.kind.${err.kind}`;
    if (hasMessage(key)) return t(key);
  }
  return t("error.title");
}

/** The human message: the server's detail, else a translated fallback. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.detail) return err.detail;
    if (err.isNetwork) return t("error.network");
    return t("error.http", { status: String(err.status) });
  }
  return t("error.title");
}

/** An error box with the server's detail and field messages, and an optional retry button. */
export function errorAlert(err: unknown, retry?: () => void, title?: string): TemplateResult {
  const fields = err instanceof ApiError ? err.fields : [];
  return html`<div class="alert alert-error" role="alert">
    <p class="alert-title">${title ?? errorTitle(err)}</p>
    <p>${errorMessage(err)}</p>
    ${fields.length
      ? html`<ul class="alert-fields">
          ${fields.map(
            (f) => html`<li>${f.field ? html`<code>${f.field}</code>: ` : nothing}${f.message}</li>`,
          )}
        </ul>`
      : nothing}
    ${retry
      ? html`<button type="button" class="btn btn-secondary" @click=${retry}>
          ${t("error.retry")}
        </button>`
      : nothing}
  </div>`;
}

/** A <time> element: the date (or date and time) for the locale; the full moment on hover. */
export function timeView(iso: string, withTime = false): TemplateResult {
  return html`<time datetime=${iso} title=${formatDateTime(iso)}>
    ${withTime ? formatDateTime(iso) : formatDate(iso)}
  </time>`;
}

export type Tone = "neutral" | "info" | "success" | "warning" | "danger";

export function badge(text: string, tone: Tone = "neutral"): TemplateResult {
  return html`<span class="badge badge-${tone}">${text}</span>`;
}

export function spinner(label = t("app.loading")): TemplateResult {
  return html`<div class="loading" role="status"><span class="spinner" aria-hidden="true"></span>${label}</div>`;
}

/** Copy to the clipboard, with a fallback for non-secure origins (plain http on a LAN). */
export async function copyText(text: string, fallbackInput?: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the selection-based copy
  }
  if (fallbackInput) {
    fallbackInput.focus();
    fallbackInput.select();
    try {
      return document.execCommand("copy");
    } catch {
      return false;
    }
  }
  return false;
}
