/**
 * The shell: who is signed in, which page is showing, the role-aware layout (header, navigation,
 * notices), the language switch, sign-out, and what a 401 does. Pages render inside it.
 *
 * Without network at startup (a reload offline, served by the service worker) the shell starts
 * with the identity kept on this device (src/offline.ts) and says so in a banner; it checks
 * that identity with the server once the network is back.
 */
import { html, nothing, render, type TemplateResult } from "lit-html";
import { ApiError, setUnauthorizedHandler } from "./api/client";
import { api } from "./api/endpoints";
import type { Me } from "./api/types";
import { getLocale, initLocale, isLocale, onLocaleChange, setLocale, t, vocabLabel, type Locale } from "./i18n";
import { cachedMe, forgetMe, isUnreachable, rememberMe } from "./offline";
import { loginPage, type LoginPage } from "./pages/login";
import { currentLocation, loginUrl, navigate, safeNext, startRouter, type AppLocation } from "./router";
import { canOpen, findPage, isCurrentNav, navFor, type PageDef } from "./routes";
import { errorAlert, errorMessage, langSwitcher, spinner } from "./ui/components";
import type { NoticeKind, PageContext, PageInstance } from "./ui/page";

type View =
  | { kind: "booting" }
  | { kind: "bootFailed"; error: unknown }
  | { kind: "login"; page: LoginPage; next: string }
  | {
      kind: "page";
      def: PageDef;
      instance: PageInstance | null;
      loadError: unknown;
      abort: AbortController;
    }
  | { kind: "notFound" }
  | { kind: "forbidden"; def: PageDef };

interface Notice {
  id: number;
  kind: NoticeKind;
  message: string;
}

const NOTICE_MS = 6000;
/** Checking a kept identity again while the server cannot be reached: 5 s, 10 s, … at most 60 s. */
const RECHECK_FIRST_MS = 5000;
const RECHECK_MAX_MS = 60_000;

export class App {
  private me: Me | null = null;
  private view: View = { kind: "booting" };
  private notices: Notice[] = [];
  private noticeSeq = 0;
  private sessionEnded = false;
  /** The user picked a language on the login page: save it to their account after sign-in. */
  private localeChosenOnLogin = false;
  private renderQueued = false;
  private focusHeading = false;
  /** Started offline with the identity kept on this device; not yet confirmed by the server. */
  private unverified = false;
  private recheckTimer = 0;
  private recheckDelay = RECHECK_FIRST_MS;

  constructor(private readonly root: HTMLElement) {}

  async start(): Promise<void> {
    initLocale();
    onLocaleChange(() => this.render());
    setUnauthorizedHandler(() => this.sessionExpired());
    this.render();
    await this.boot();
  }

  private async boot(): Promise<void> {
    this.view = { kind: "booting" };
    this.render();
    try {
      this.adoptMe(await api.me());
    } catch (err) {
      const kept = isUnreachable(err) ? cachedMe() : null;
      if (kept) {
        this.startUnverified(kept);
      } else if (!(err instanceof ApiError && err.status === 401)) {
        this.view = { kind: "bootFailed", error: err };
        this.render();
        return;
      } else {
        this.me = null;
        forgetMe();
      }
    }
    startRouter((loc) => this.route(loc));
  }

  private adoptMe(me: Me): void {
    this.me = me;
    rememberMe(me);
    if (isLocale(me.locale) && me.locale !== getLocale()) setLocale(me.locale);
  }

  // ---- starting without network --------------------------------------------------------

  private startUnverified(me: Me): void {
    this.me = me;
    if (isLocale(me.locale) && me.locale !== getLocale()) setLocale(me.locale);
    this.unverified = true;
    window.addEventListener("online", this.recheckNow);
    this.scheduleRecheck();
  }

  private readonly recheckNow = (): void => {
    window.clearTimeout(this.recheckTimer);
    this.recheckTimer = 0;
    void this.recheck();
  };

  private scheduleRecheck(): void {
    if (this.recheckTimer || !this.unverified) return;
    this.recheckTimer = window.setTimeout(this.recheckNow, this.recheckDelay);
    this.recheckDelay = Math.min(this.recheckDelay * 2, RECHECK_MAX_MS);
  }

  private stopRecheck(): void {
    this.unverified = false;
    window.clearTimeout(this.recheckTimer);
    this.recheckTimer = 0;
    window.removeEventListener("online", this.recheckNow);
  }

  /** Ask the server who this is: the same person goes on where they are; another account or
   *  role gets its own pages; an ended session goes to sign-in. */
  private async recheck(): Promise<void> {
    if (!this.unverified) return;
    let me: Me;
    try {
      me = await api.me();
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) this.sessionExpired();
      else this.scheduleRecheck();
      return;
    }
    if (!this.unverified) return;
    const before = this.me;
    this.stopRecheck();
    this.adoptMe(me);
    if (!before || String(before.id) !== String(me.id) || before.role !== me.role) this.route(currentLocation());
    else this.render();
  }

  private sessionExpired(): void {
    if (!this.me) return; // already handled
    this.stopRecheck();
    forgetMe();
    this.me = null;
    this.sessionEnded = true;
    navigate(loginUrl(currentLocation().full), { replace: true });
  }

  // ---- routing ---------------------------------------------------------------------------

  private leavePage(): void {
    if (this.view.kind === "page") {
      this.view.abort.abort();
      this.view.instance?.destroy?.();
    }
  }

  private route(loc: AppLocation): void {
    const wasBooting = this.view.kind === "booting";
    this.leavePage();
    this.notices = this.notices.filter((n) => n.kind !== "error");

    if (loc.path === "/login") {
      if (this.me) {
        navigate(safeNext(loc.query.get("next")), { replace: true });
        return;
      }
      this.view = { kind: "login", page: this.makeLogin(), next: safeNext(loc.query.get("next")) };
      this.render();
      return;
    }
    if (!this.me) {
      navigate(loginUrl(loc.full), { replace: true });
      return;
    }

    this.focusHeading = !wasBooting;
    if (!wasBooting) window.scrollTo(0, 0);
    const found = findPage(loc.path);
    if (!found) {
      this.view = { kind: "notFound" };
    } else if (!canOpen(this.me.role, found.page, this.me.enterprise.kind)) {
      this.view = { kind: "forbidden", def: found.page };
    } else {
      this.mountPage(found.page, found.params, loc.query);
      return;
    }
    this.render();
  }

  private mountPage(def: PageDef, params: Record<string, string>, query: URLSearchParams): void {
    const me = this.me as Me;
    const abort = new AbortController();
    const view: Extract<View, { kind: "page" }> = { kind: "page", def, instance: null, loadError: null, abort };
    this.view = view;
    this.render();
    const ctx: PageContext = {
      me,
      params,
      query,
      signal: abort.signal,
      update: () => {
        if (this.view === view) this.scheduleRender();
      },
      navigate: (to) => navigate(to),
      notify: (message, kind) => this.notify(message, kind),
    };
    def
      .load()
      .then((mod) => {
        if (this.view !== view) return;
        view.instance = mod.default(ctx);
        this.render();
      })
      .catch((err: unknown) => {
        if (this.view !== view) return;
        view.loadError = err;
        this.render();
      });
  }

  private makeLogin(): LoginPage {
    return loginPage({
      sessionEnded: this.sessionEnded,
      update: () => this.scheduleRender(),
      onLocale: (locale) => {
        this.localeChosenOnLogin = true;
        setLocale(locale);
      },
      onSignedIn: (me) => this.signedIn(me),
    });
  }

  private signedIn(me: Me): void {
    const next = this.view.kind === "login" ? this.view.next : "/";
    this.sessionEnded = false;
    this.stopRecheck();
    this.me = me;
    rememberMe(me);
    if (this.localeChosenOnLogin && me.locale !== getLocale()) {
      this.saveLocale(getLocale());
    } else if (isLocale(me.locale) && me.locale !== getLocale()) {
      setLocale(me.locale);
    }
    this.localeChosenOnLogin = false;
    this.focusHeading = true;
    navigate(next, { replace: true });
  }

  // ---- actions ---------------------------------------------------------------------------

  private changeLocale(locale: Locale): void {
    setLocale(locale);
    if (this.me && this.me.locale !== locale) this.saveLocale(locale);
  }

  private saveLocale(locale: Locale): void {
    api
      .updateMe({ locale })
      .then((me) => {
        if (this.me && String(this.me.id) === String(me.id)) {
          this.me = { ...this.me, locale: me.locale };
          rememberMe(this.me);
        }
      })
      .catch((err: unknown) => this.notify(t("lang.saveFailed", { detail: errorMessage(err) }), "error"));
  }

  private async logout(): Promise<void> {
    try {
      await api.logout();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) {
        this.notify(t("app.logoutFailed", { detail: errorMessage(err) }), "error");
        return;
      }
    }
    this.me = null; // the /login route below unmounts the page
    this.stopRecheck();
    forgetMe();
    this.sessionEnded = false;
    navigate("/login");
  }

  private notify(message: string, kind: NoticeKind = "info"): void {
    const id = ++this.noticeSeq;
    this.notices = [...this.notices, { id, kind, message }];
    this.render();
    if (kind !== "error") setTimeout(() => this.dismiss(id), NOTICE_MS);
  }

  private dismiss(id: number): void {
    const before = this.notices.length;
    this.notices = this.notices.filter((n) => n.id !== id);
    if (this.notices.length !== before) this.render();
  }

  // ---- rendering -------------------------------------------------------------------------

  private scheduleRender(): void {
    if (this.renderQueued) return;
    this.renderQueued = true;
    queueMicrotask(() => {
      this.renderQueued = false;
      this.render();
    });
  }

  render(): void {
    render(this.template(), this.root);
    document.title = t("app.docTitle", { page: this.title() });
    if (this.focusHeading && (this.view.kind !== "page" || this.view.instance || this.view.loadError)) {
      this.focusHeading = false;
      document.getElementById("page-title")?.focus({ preventScroll: true });
    }
  }

  private title(): string {
    switch (this.view.kind) {
      case "login":
        return t("login.title");
      case "page":
      case "forbidden":
        return t(this.view.def.titleKey);
      case "notFound":
        return t("page.notFound");
      case "bootFailed":
        return t("error.title");
      default:
        return t("app.loading");
    }
  }

  private template(): TemplateResult {
    const v = this.view;
    switch (v.kind) {
      case "booting":
        return html`<main id="main" class="boot">${spinner()}</main>`;
      case "bootFailed":
        return html`<main id="main" class="boot">
          <div class="boot-box">
            <div class="login-top">${langSwitcher("boot-lang", (l) => setLocale(l))}</div>
            <h1 id="page-title" tabindex="-1">${t("error.title")}</h1>
            ${errorAlert(v.error, () => void this.boot())}
          </div>
        </main>`;
      case "login":
        return v.page.view();
      default:
        return this.layout(this.content());
    }
  }

  private content(): TemplateResult {
    const v = this.view;
    switch (v.kind) {
      case "page":
        return html`<h1 id="page-title" tabindex="-1">${t(v.def.titleKey)}</h1>
          ${v.loadError
            ? errorAlert(v.loadError, () => window.location.reload())
            : v.instance
              ? v.instance.view()
              : html`<div class="page-loading">${spinner()}</div>`}`;
      case "forbidden":
        return html`<h1 id="page-title" tabindex="-1">${t("page.forbidden")}</h1>
          <p>${t("forbidden.body", { role: vocabLabel("role", this.me?.role ?? "") })}</p>
          <p><a href="/">${t("notFound.back")}</a></p>`;
      default:
        return html`<h1 id="page-title" tabindex="-1">${t("page.notFound")}</h1>
          <p>${t("notFound.body")}</p>
          <p><a href="/">${t("notFound.back")}</a></p>`;
    }
  }

  private layout(content: TemplateResult): TemplateResult {
    const me = this.me as Me;
    const shown = this.view.kind === "page" ? this.view.def : null;
    return html`
      <a
        class="skip-link"
        href="#main"
        data-native
        @click=${(e: Event) => {
          e.preventDefault();
          document.getElementById("main")?.focus();
        }}
        >${t("app.skipToContent")}</a
      >
      <header class="topbar">
        <a class="brand" href="/">
          <span class="brand-mark" aria-hidden="true">B</span>
          <span class="brand-text">${t("app.name")}</span>
          <span class="brand-tagline">${t("app.tagline")}</span>
        </a>
        <div class="topbar-tools">
          ${langSwitcher("app-lang", (l) => this.changeLocale(l))}
          <section class="user" aria-label=${t("app.userMenu")}>
            <span class="user-name">${me.display_name || me.email}</span>
            <span class="user-meta">${t("app.userMeta", { role: vocabLabel("role", me.role), enterprise: me.enterprise.name })}</span>
          </section>
          <button type="button" class="btn btn-secondary btn-small" @click=${() => void this.logout()}>
            ${t("app.logout")}
          </button>
        </div>
      </header>
      ${this.unverified ? html`<p class="offline-banner" role="status">${t("app.offlineBanner")}</p>` : nothing}
      <div class="shell">
        <nav class="sidenav" aria-label=${t("app.mainNav")}>
          <ul>
            ${navFor(me.role, me.enterprise.kind).map(
              (p) => html`<li>
                <a href=${p.path} aria-current=${shown && isCurrentNav(p.id, shown) ? "page" : nothing}>${t(p.titleKey)}</a>
              </li>`,
            )}
          </ul>
        </nav>
        <main id="main" class="content" tabindex="-1">
          <div class="notices" aria-live="polite">
            ${this.notices.map(
              (n) => html`<div class="notice notice-${n.kind}" role=${n.kind === "error" ? "alert" : nothing}>
                <span>${n.message}</span>
                <button
                  type="button"
                  class="notice-close"
                  aria-label=${t("app.dismiss")}
                  @click=${() => this.dismiss(n.id)}
                >
                  ×
                </button>
              </div>`,
            )}
          </div>
          ${content}
        </main>
      </div>
    `;
  }
}
