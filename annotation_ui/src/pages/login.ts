/** Sign-in: email + password; Enter submits; errors show the server's detail. */
import { html, nothing, type TemplateResult } from "lit-html";
import { createRef, ref } from "lit-html/directives/ref.js";
import { api } from "../api/endpoints";
import type { Me } from "../api/types";
import { t, type Locale } from "../i18n";
import { errorAlert, langSwitcher } from "../ui/components";

export interface LoginContext {
  /** Set when a 401 sent the user here from inside the app. */
  sessionEnded: boolean;
  update(): void;
  onLocale(locale: Locale): void;
  onSignedIn(me: Me): void;
}

export interface LoginPage {
  view(): TemplateResult;
}

export function loginPage(ctx: LoginContext): LoginPage {
  const state = {
    email: "",
    password: "",
    showPassword: false,
    busy: false,
    error: null as unknown,
    missing: false,
  };
  const emailInput = createRef<HTMLInputElement>();
  const passwordInput = createRef<HTMLInputElement>();

  async function submit(event: Event): Promise<void> {
    event.preventDefault();
    if (state.busy) return;
    state.error = null;
    state.missing = !state.email.trim() || !state.password;
    if (state.missing) {
      ctx.update();
      (state.email.trim() ? passwordInput : emailInput).value?.focus();
      return;
    }
    state.busy = true;
    ctx.update();
    try {
      const me = await api.login(state.email.trim(), state.password);
      state.password = "";
      ctx.onSignedIn(me);
    } catch (err) {
      state.error = err;
      state.busy = false;
      ctx.update();
      passwordInput.value?.select();
    }
  }

  return {
    view: () => html`
      <div class="login-screen">
        <main id="main" class="login-card" aria-labelledby="login-heading">
          <div class="login-top">
            <p class="brand" aria-hidden="true">
              <span class="brand-mark">B</span>
              <span class="brand-text">${t("app.name")}</span>
            </p>
            ${langSwitcher("login-lang", ctx.onLocale)}
          </div>
          <p class="login-tagline">${t("app.tagline")}</p>
          <h1 id="login-heading" tabindex="-1">${t("login.heading")}</h1>
          <p class="muted">${t("login.intro")}</p>

          ${ctx.sessionEnded && !state.error
            ? html`<div class="alert alert-info" role="status">${t("login.sessionEnded")}</div>`
            : nothing}
          ${state.error ? errorAlert(state.error, undefined, t("login.failed")) : nothing}
          ${state.missing
            ? html`<div class="alert alert-error" role="alert">${t("login.required")}</div>`
            : nothing}

          <form class="form-stack" novalidate @submit=${submit}>
            <div class="field">
              <label for="login-email">${t("login.email")}</label>
              <input
                id="login-email"
                type="email"
                name="email"
                autocomplete="username"
                inputmode="email"
                autocapitalize="off"
                spellcheck="false"
                required
                aria-invalid=${state.missing && !state.email.trim() ? "true" : "false"}
                .value=${state.email}
                @input=${(e: Event) => (state.email = (e.target as HTMLInputElement).value)}
                ${ref(emailInput)}
              />
            </div>
            <div class="field">
              <label for="login-password">${t("login.password")}</label>
              <input
                id="login-password"
                type=${state.showPassword ? "text" : "password"}
                name="password"
                autocomplete="current-password"
                required
                aria-invalid=${state.missing && !state.password ? "true" : "false"}
                .value=${state.password}
                @input=${(e: Event) => (state.password = (e.target as HTMLInputElement).value)}
                ${ref(passwordInput)}
              />
              <label class="checkbox">
                <input
                  type="checkbox"
                  .checked=${state.showPassword}
                  @change=${(e: Event) => {
                    state.showPassword = (e.target as HTMLInputElement).checked;
                    ctx.update();
                  }}
                />
                ${t("login.showPassword")}
              </label>
            </div>
            <button type="submit" class="btn btn-primary btn-block" aria-disabled=${state.busy ? "true" : "false"}>
              ${state.busy ? t("login.submitting") : t("login.submit")}
            </button>
          </form>
        </main>
      </div>
    `,
  };
}
