/**
 * The park's award rules as an editable table: threshold (CNY revenue in a calendar year),
 * award (CNY) and the staff size a vendor must exceed. Saving replaces the whole table
 * (`PUT /stats/award-rules`, all or nothing, audited); the server validates.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import { isAbort } from "../api/client";
import { api } from "../api/endpoints";
import type { AwardRule, AwardRuleIn } from "../api/types";
import { t } from "../i18n";
import { errorAlert } from "../ui/components";
import { exportButton } from "../ui/csv";
import type { Column } from "../ui/table";
import { count, money } from "./format";

interface Draft {
  threshold_cny: string;
  award_cny: string;
  min_staff: string;
}

const csvColumns: Column<AwardRule>[] = [
  { header: () => t("park.threshold"), cell: (r) => money(r.threshold_cny), csv: (r) => r.threshold_cny },
  { header: () => t("park.award"), cell: (r) => money(r.award_cny), csv: (r) => r.award_cny },
  { header: () => t("park.minStaff"), cell: (r) => count(r.min_staff), csv: (r) => r.min_staff },
];

export class AwardRulesEditor {
  rules: AwardRule[] | null = null;
  private drafts: Draft[] = [];
  private dirty = false;
  private busy = false;
  private error: unknown = null;

  constructor(
    private readonly signal: AbortSignal,
    private readonly update: () => void,
    private readonly notify: (message: string, kind?: "success" | "error") => void,
    /** After a save: the milestone report depends on the rules. */
    private readonly saved: () => void,
  ) {}

  async load(): Promise<void> {
    this.error = null;
    try {
      this.reset(await api.awardRules({ signal: this.signal }));
    } catch (err) {
      if (isAbort(err)) return;
      this.error = err;
    }
    this.update();
  }

  private reset(rules: AwardRule[]): void {
    this.rules = rules;
    this.drafts = rules.map((r) => ({ threshold_cny: r.threshold_cny, award_cny: r.award_cny, min_staff: String(r.min_staff) }));
    this.dirty = false;
  }

  private edit(i: number, field: keyof Draft, value: string): void {
    const d = this.drafts[i];
    if (!d) return;
    d[field] = value;
    this.dirty = true;
    this.update();
  }

  private async save(): Promise<void> {
    if (this.busy || !this.dirty) return;
    this.busy = true;
    this.error = null;
    this.update();
    try {
      const body: AwardRuleIn[] = this.drafts.map((d) => ({
        threshold_cny: d.threshold_cny.trim(),
        award_cny: d.award_cny.trim(),
        min_staff: Number(d.min_staff),
      }));
      this.reset(await api.setAwardRules(body));
      this.notify(t("awards.saved"), "success");
      this.saved();
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
      this.update();
    }
  }

  private input(i: number, field: keyof Draft, label: string, d: Draft): TemplateResult {
    return html`<input
      type="text"
      inputmode=${field === "min_staff" ? "numeric" : "decimal"}
      class="awards-input"
      aria-label=${t("awards.fieldOfRule", { field: label, n: i + 1 })}
      .value=${d[field]}
      @input=${(e: Event) => this.edit(i, field, (e.target as HTMLInputElement).value)}
    />`;
  }

  view(): TemplateResult {
    const heads = [t("park.threshold"), t("park.award"), t("park.minStaff")];
    return html`<section class="section" aria-labelledby="awards-heading">
      <div class="stats-head">
        <h2 id="awards-heading">${t("awards.heading")}</h2>
        <div class="stats-tools">${exportButton({ name: "award-rules", caption: t("awards.heading"), columns: csvColumns, rows: this.rules })}</div>
      </div>
      <p class="hint">${t("awards.hint")}</p>
      ${this.error ? errorAlert(this.error) : nothing}
      <form
        @submit=${(e: Event) => {
          e.preventDefault();
          void this.save();
        }}
      >
        <div class="table-wrap" role="region" aria-labelledby="awards-heading" tabindex="0">
          <table class="data awards-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                ${heads.map((h) => html`<th scope="col">${h}</th>`)}
                <th scope="col">${t("quality.actions")}</th>
              </tr>
            </thead>
            <tbody>
              ${this.rules === null
                ? html`<tr><td class="empty" colspan="5">${t("common.loadingData")}</td></tr>`
                : this.drafts.length === 0
                  ? html`<tr><td class="empty" colspan="5">${t("awards.empty")}</td></tr>`
                  : this.drafts.map(
                      (d, i) => html`<tr>
                        <th scope="row">${i + 1}</th>
                        <td>${this.input(i, "threshold_cny", heads[0]!, d)}</td>
                        <td>${this.input(i, "award_cny", heads[1]!, d)}</td>
                        <td>${this.input(i, "min_staff", heads[2]!, d)}</td>
                        <td>
                          <button
                            type="button"
                            class="btn btn-danger-quiet btn-small"
                            aria-label=${t("awards.removeN", { n: i + 1 })}
                            @click=${() => {
                              this.drafts.splice(i, 1);
                              this.dirty = true;
                              this.update();
                            }}
                          >
                            ${t("awards.remove")}
                          </button>
                        </td>
                      </tr>`,
                    )}
            </tbody>
          </table>
        </div>
        <div class="stats-actions">
          <button
            type="button"
            class="btn btn-secondary"
            @click=${() => {
              this.drafts.push({ threshold_cny: "", award_cny: "", min_staff: "100" });
              this.dirty = true;
              this.update();
            }}
          >
            ${t("awards.add")}
          </button>
          <button type="submit" class="btn btn-primary" aria-disabled=${!this.dirty || this.busy ? "true" : "false"}>
            ${t(this.busy ? "awards.saving" : "awards.save")}
          </button>
          ${this.dirty && this.rules
            ? html`<button type="button" class="btn btn-secondary" @click=${() => (this.reset(this.rules ?? []), this.update())}>
                ${t("awards.discard")}
              </button>`
            : nothing}
        </div>
      </form>
    </section>`;
  }
}
