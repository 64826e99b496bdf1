/**
 * API tokens: list, create (the secret is shown once, with a copy button), revoke (confirmed).
 * Enterprise and park admins only; the server enforces it too.
 */
import { html, nothing } from "lit-html";
import { ref, createRef } from "lit-html/directives/ref.js";
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { ApiToken, CreatedApiToken } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { formatNumber } from "../i18n/format";
import { badge, copyText, errorAlert, errorMessage, timeView } from "../ui/components";
import { confirmDialog } from "../ui/dialog";
import type { PageFactory } from "../ui/page";
import { dataTable, type Column } from "../ui/table";

export const EXPIRY_CHOICES: readonly (number | null)[] = [30, 90, 180, 365, null];
const DEFAULT_EXPIRY = 90;

export type TokenStatus = "active" | "revoked" | "expired";

export function tokenStatus(token: ApiToken, now: Date = new Date()): TokenStatus {
  if (token.revoked_at) return "revoked";
  if (token.expires_at && new Date(token.expires_at).getTime() <= now.getTime()) return "expired";
  return "active";
}

const tokensPage: PageFactory = (ctx) => {
  const state = {
    rows: null as ApiToken[] | null,
    loading: false,
    listError: null as unknown,
    // create form
    name: "",
    expires: String(DEFAULT_EXPIRY),
    creating: false,
    createError: null as unknown,
    nameMissing: false,
    // shown once, dropped when dismissed or when the page is left
    created: null as CreatedApiToken | null,
    copyStatus: "" as "" | "copied" | "failed",
    revoking: new Set<string>(),
  };
  const secretInput = createRef<HTMLInputElement>();
  const nameInput = createRef<HTMLInputElement>();
  const secretHeading = createRef<HTMLHeadingElement>();

  let loadSeq = 0;
  async function load(): Promise<void> {
    const seq = ++loadSeq; // only the latest answer is applied
    state.loading = true;
    state.listError = null;
    ctx.update();
    try {
      const res = await api.listTokens({ signal: ctx.signal });
      if (seq === loadSeq) state.rows = res.items;
    } catch (err) {
      if (isAbort(err)) return;
      if (seq === loadSeq) state.listError = err;
    } finally {
      if (seq === loadSeq) state.loading = false;
      if (!ctx.signal.aborted) ctx.update();
    }
  }

  async function create(event: Event): Promise<void> {
    event.preventDefault();
    if (state.creating) return;
    const name = state.name.trim();
    state.nameMissing = !name;
    state.createError = null;
    if (!name) {
      ctx.update();
      nameInput.value?.focus();
      return;
    }
    state.creating = true;
    ctx.update();
    try {
      const days = state.expires ? Number(state.expires) : undefined;
      const created = await api.createToken(days ? { name, expires_in_days: days } : { name });
      state.created = created;
      state.copyStatus = "";
      state.name = "";
      state.rows = [created, ...(state.rows ?? []).filter((r) => r.id !== created.id)];
      void load(); // refresh server-side order and fields
    } catch (err) {
      state.createError = err;
    } finally {
      state.creating = false;
      ctx.update();
      if (state.created) setTimeout(() => secretHeading.value?.focus(), 0);
    }
  }

  async function copySecret(): Promise<void> {
    if (!state.created) return;
    const ok = await copyText(state.created.token, secretInput.value);
    state.copyStatus = ok ? "copied" : "failed";
    ctx.update();
  }

  function dismissSecret(): void {
    state.created = null;
    state.copyStatus = "";
    ctx.update();
    nameInput.value?.focus();
  }

  async function revoke(token: ApiToken): Promise<void> {
    const ok = await confirmDialog({
      title: t("tokens.confirmTitle"),
      body: t("tokens.confirmBody", { name: token.name, prefix: token.prefix }),
      confirmLabel: t("tokens.confirmRevoke"),
      danger: true,
    });
    if (!ok) return;
    const key = String(token.id);
    state.revoking.add(key);
    ctx.update();
    try {
      await api.revokeToken(token.id);
      ctx.notify(t("tokens.revoked", { name: token.name }), "success");
      state.rows = (state.rows ?? []).map((r) =>
        r.id === token.id ? { ...r, revoked_at: new Date().toISOString() } : r,
      );
      void load();
    } catch (err) {
      ctx.notify(errorMessage(err), "error");
    } finally {
      state.revoking.delete(key);
      ctx.update();
    }
  }

  const STATUS_VIEW = {
    active: () => badge(t("tokens.statusActive"), "success"),
    revoked: () => badge(t("tokens.statusRevoked"), "danger"),
    expired: () => badge(t("tokens.statusExpired"), "neutral"),
  } as const;

  const columns: readonly Column<ApiToken>[] = [
    { header: () => t("tokens.colName"), cell: (r) => r.name, rowHeader: true },
    { header: () => t("tokens.colPrefix"), cell: (r) => html`<code>${r.prefix}…</code>` },
    { header: () => t("tokens.colRole"), cell: (r) => vocabLabel("role", r.role) },
    { header: () => t("tokens.colCreated"), cell: (r) => timeView(r.created_at), nowrap: true },
    {
      header: () => t("tokens.colLastUsed"),
      cell: (r) => (r.last_used_at ? timeView(r.last_used_at, true) : t("tokens.neverUsed")),
      nowrap: true,
    },
    {
      header: () => t("tokens.colExpires"),
      cell: (r) => (r.expires_at ? timeView(r.expires_at) : t("tokens.noExpiry")),
      nowrap: true,
    },
    { header: () => t("tokens.colStatus"), cell: (r) => STATUS_VIEW[tokenStatus(r)](), nowrap: true },
    {
      header: () => t("tokens.colActions"),
      cell: (r) =>
        tokenStatus(r) === "active"
          ? html`<button
              type="button"
              class="btn btn-danger-quiet btn-small"
              aria-label=${t("tokens.revokeLabel", { name: r.name })}
              aria-disabled=${state.revoking.has(String(r.id)) ? "true" : "false"}
              @click=${() => !state.revoking.has(String(r.id)) && void revoke(r)}
            >
              ${t("tokens.revoke")}
            </button>`
          : t("common.empty"),
    },
  ];

  void load();

  return {
    view() {
      const created = state.created;
      return html`
        <p class="muted prose">${t("tokens.intro")}</p>

        ${created
          ? html`<section class="secret-panel" aria-labelledby="secret-heading">
              <h2 id="secret-heading" tabindex="-1" ${ref(secretHeading)}>
                ${t("tokens.secretHeading", { name: created.name })}
              </h2>
              <p class="warning-text"><strong>${t("tokens.secretWarning")}</strong></p>
              <label for="token-secret">${t("tokens.secretLabel")}</label>
              <div class="secret-row">
                <input
                  id="token-secret"
                  class="mono"
                  type="text"
                  readonly
                  spellcheck="false"
                  autocomplete="off"
                  .value=${created.token}
                  @focus=${(e: FocusEvent) => (e.target as HTMLInputElement).select()}
                  ${ref(secretInput)}
                />
                <button type="button" class="btn btn-primary" @click=${copySecret}>
                  ${t("common.copy")}
                </button>
              </div>
              <p class="copy-status" role="status">
                ${state.copyStatus === "copied"
                  ? t("common.copied")
                  : state.copyStatus === "failed"
                    ? t("common.copyFailed")
                    : nothing}
              </p>
              <button type="button" class="btn btn-secondary" @click=${dismissSecret}>
                ${t("tokens.secretDone")}
              </button>
            </section>`
          : nothing}

        <section class="card" aria-labelledby="create-heading">
          <h2 id="create-heading">${t("tokens.createHeading")}</h2>
          <form class="form-inline" novalidate @submit=${create}>
            <div class="field">
              <label for="token-name">${t("tokens.name")}</label>
              <input
                id="token-name"
                type="text"
                maxlength="100"
                required
                autocomplete="off"
                aria-describedby="token-name-hint${state.nameMissing ? " token-name-error" : ""}"
                aria-invalid=${state.nameMissing ? "true" : "false"}
                .value=${state.name}
                @input=${(e: Event) => {
                  state.name = (e.target as HTMLInputElement).value;
                  if (state.nameMissing && state.name.trim()) {
                    state.nameMissing = false;
                    ctx.update();
                  }
                }}
                ${ref(nameInput)}
              />
              <p id="token-name-hint" class="hint">${t("tokens.nameHint")}</p>
              ${state.nameMissing
                ? html`<p id="token-name-error" class="field-error">${t("tokens.nameRequired")}</p>`
                : nothing}
            </div>
            <div class="field">
              <label for="token-expires">${t("tokens.expires")}</label>
              <select
                id="token-expires"
                @change=${(e: Event) => (state.expires = (e.target as HTMLSelectElement).value)}
              >
                ${EXPIRY_CHOICES.map((d) => {
                  const value = d === null ? "" : String(d);
                  return html`<option value=${value} ?selected=${value === state.expires}>
                    ${d === null ? t("tokens.expiresNever") : t("tokens.expiresDays", { days: formatNumber(d) })}
                  </option>`;
                })}
              </select>
            </div>
            <div class="field field-action">
              <button type="submit" class="btn btn-primary" aria-disabled=${state.creating ? "true" : "false"}>
                ${state.creating ? t("tokens.creating") : t("tokens.create")}
              </button>
            </div>
          </form>
          ${state.createError ? errorAlert(state.createError) : nothing}
        </section>

        <section class="section" aria-labelledby="tokens-list-heading">
          <h2 id="tokens-list-heading">${t("tokens.listHeading")}</h2>
          ${dataTable({
            caption: t("tokens.listHeading"),
            columns,
            rows: state.rows,
            rowKey: (r) => r.id,
            loading: state.loading,
            error: state.listError,
            emptyText: t("tokens.empty"),
            retry: () => void load(),
            skeletonRows: 3,
          })}
        </section>
      `;
    },
    destroy() {
      state.created = null; // never keep the secret around after leaving
    },
  };
};

export default tokensPage;
