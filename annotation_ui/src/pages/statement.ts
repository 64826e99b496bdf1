/**
 * A monthly statement (enterprise admins: their own; the park: any vendor's or client's):
 * what a vendor's annotators earned per job and person, or what a client owes per job, with
 * totals and the labels still pending apart. Printable (Print, and print styles that keep
 * only the statement) and downloadable as the server's CSV.
 */
import { html, nothing } from "lit-html";
import { api, statementCsvUrl } from "../api/endpoints";
import type { DirectoryEntry, Statement, StatementLine } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { formatDateTime } from "../i18n/format";
import { errorAlert, spinner } from "../ui/components";
import type { PageFactory } from "../ui/page";
import { resource } from "../ui/resource";
import { dataTable, type Column } from "../ui/table";
import { count, money, monthName } from "../stats/format";
import { statementPicker, type PickerState } from "../stats/links";
import { isMonth, monthOf, parkToday } from "../stats/periods";

const num = (key: Parameters<typeof t>[0], get: (l: StatementLine) => number): Column<StatementLine> => ({
  header: () => t(key),
  cell: (l) => count(get(l)),
  numeric: true,
});

function columns(vendor: boolean): Column<StatementLine>[] {
  return [
    { header: () => t("statement.job"), cell: (l) => l.job_name, rowHeader: true },
    ...(vendor ? [{ header: () => t("stats.annotator"), cell: (l: StatementLine) => l.annotator_name ?? l.annotator_id ?? "" }] : []),
    num("stats.labels", (l) => l.labels),
    num("stats.goldLabels", (l) => l.gold_labels),
    num("stats.accepted", (l) => l.accepted),
    num("stats.rejected", (l) => l.rejected),
    num("stats.pending", (l) => l.pending),
    { header: () => t("statement.amount"), cell: (l) => money(l.amount), numeric: true, nowrap: true },
  ];
}

function totals(s: Statement, vendor: boolean) {
  const sum = (f: (l: StatementLine) => number) => count(s.lines.reduce((n, l) => n + f(l), 0));
  return html`<tr class="statement-total">
    <th scope="row" colspan=${vendor ? 2 : 1}>${t("statement.total")}</th>
    <td class="num">${sum((l) => l.labels)}</td>
    <td class="num">${sum((l) => l.gold_labels)}</td>
    <td class="num">${count(s.accepted)}</td>
    <td class="num">${sum((l) => l.rejected)}</td>
    <td class="num">${count(s.pending)}</td>
    <td class="num nowrap">${money(s.total)}</td>
  </tr>`;
}

/** Where "back" goes: the page the viewer came from (Team, Job progress or the park dashboard). */
function backPath(role: string, kind: string): string | null {
  if (role === "park_admin") return "/stats/park";
  if (kind === "vendor") return "/stats/team";
  if (kind === "client") return "/stats/jobs";
  return null;
}

const statementPage: PageFactory = (ctx) => {
  const month = ctx.params.month ?? "";
  const park = ctx.me.role === "park_admin";
  const enterpriseId = ctx.query.get("enterprise_id");
  const picker: PickerState = { enterpriseId, month: isMonth(month) ? month : monthOf(parkToday()) };
  const s = { enterprises: null as DirectoryEntry[] | null };
  // The park has no statement of its own: it picks whose to read.
  const wanted = isMonth(month) && (!park || !!enterpriseId);
  const statement = resource((signal) => api.statement(month, enterpriseId, { signal }), ctx.signal, ctx.update);
  if (wanted) void statement.load();
  if (park) {
    Promise.all([api.enterpriseDirectory("vendor", { signal: ctx.signal }), api.enterpriseDirectory("client", { signal: ctx.signal })]).then(
      ([v, c]) => {
        s.enterprises = [...v, ...c];
        ctx.update();
      },
      () => undefined,
    );
  }

  function body() {
    if (!isMonth(month)) return html`<div class="alert alert-error" role="alert"><p>${t("statement.badMonth")}</p></div>`;
    if (!wanted) return html`<p class="hint">${t("statement.choose")}</p>`;
    const st = statement.data;
    if (statement.error && !st) return errorAlert(statement.error, () => void statement.load());
    if (!st) return spinner();
    const vendor = st.kind === "vendor";
    return html`<article class="statement" aria-labelledby="statement-title">
      <header class="statement-head">
        <h2 id="statement-title">${t("statement.title", { name: st.enterprise_name, month: monthName(st.month) })}</h2>
        <p class="muted">
          ${vocabLabel("enterpriseKind", st.kind)} · ${t(vendor ? "statement.vendorNote" : "statement.clientNote")}
          <span class="print-only">· ${t("statement.printedAt", { time: formatDateTime(new Date()) })}</span>
        </p>
      </header>
      <dl class="facts statement-sums">
        <div data-figure="total"><dt>${t(vendor ? "statement.totalVendor" : "statement.totalClient")}</dt><dd>${money(st.total)}</dd></div>
        <div data-figure="accepted"><dt>${t("stats.accepted")}</dt><dd>${count(st.accepted)}</dd></div>
        <div data-figure="pending"><dt>${t("stats.pending")}</dt><dd>${count(st.pending)}</dd></div>
        <div data-figure="lines"><dt>${t("statement.lines")}</dt><dd>${count(st.lines.length)}</dd></div>
      </dl>
      ${st.pending ? html`<p class="hint">${t("statement.pendingNote", { n: count(st.pending) })}</p>` : nothing}
      ${dataTable({
        caption: t("statement.linesCaption", { month: monthName(st.month) }),
        columns: columns(vendor),
        rows: st.lines,
        rowKey: (l) => `${l.job_id}-${l.annotator_id ?? ""}`,
        loading: statement.loading,
        error: null,
        emptyText: t("statement.empty"),
        footer: totals(st, vendor),
      })}
    </article>`;
  }

  return {
    view() {
      const back = backPath(ctx.me.role, ctx.me.enterprise.kind);
      const ready = wanted && !!statement.data;
      return html`
        <div class="no-print">
          ${back ? html`<p><a href=${back}>${t("statement.back")}</a></p>` : nothing}
          ${statementPicker("statement-pick", picker, park ? (s.enterprises ?? []) : null, (path) => ctx.navigate(path), ctx.update)}
          ${ready
            ? html`<div class="stats-actions">
                <button type="button" class="btn btn-primary" @click=${() => window.print()}>${t("statement.print")}</button>
                <a class="btn btn-secondary" href=${statementCsvUrl(month, enterpriseId)} download>${t("statement.csv")}</a>
              </div>`
            : nothing}
        </div>
        ${body()}
      `;
    },
  };
};

export default statementPage;
