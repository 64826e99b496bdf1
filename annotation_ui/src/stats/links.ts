/** Ways to the monthly statements (pages/statement.ts) from the Team, Job progress and park pages. */
import { html, nothing, type TemplateResult } from "lit-html";
import type { DirectoryEntry } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { monthName } from "./format";
import { monthOf, parkToday, previousMonth } from "./periods";

export function statementPath(month: string, enterpriseId?: string | null): string {
  const q = enterpriseId ? `?enterprise_id=${encodeURIComponent(enterpriseId)}` : "";
  return `/stats/statements/${encodeURIComponent(month)}${q}`;
}

/** This month's and last month's statement of the viewer's own enterprise. */
export function statementLinks(): TemplateResult {
  const month = monthOf(parkToday());
  const last = previousMonth(month);
  return html`<nav class="stats-links" aria-label=${t("statement.linksLabel")}>
    <span class="muted">${t("statement.linksLabel")}</span>
    <a href=${statementPath(month)}>${monthName(month)}</a>
    <a href=${statementPath(last)}>${monthName(last)}</a>
  </nav>`;
}

export interface PickerState {
  /** null: the viewer's own enterprise (enterprise admins); park admins choose one. */
  enterpriseId: string | null;
  month: string;
}

/**
 * Which statement to open: the month, and for park admins the vendor or client (the park's
 * register). `enterprises` is null for enterprise admins, who read only their own.
 */
export function statementPicker(
  id: string,
  state: PickerState,
  enterprises: readonly DirectoryEntry[] | null,
  onOpen: (path: string) => void,
  update: () => void,
): TemplateResult {
  const kinds = ["vendor", "client"] as const;
  const ready = !!state.month && (enterprises === null || !!state.enterpriseId);
  return html`<form
    class="stats-picker"
    aria-label=${t("statement.pickerLabel")}
    @submit=${(e: Event) => {
      e.preventDefault();
      if (ready) onOpen(statementPath(state.month, state.enterpriseId));
    }}
  >
    ${enterprises
      ? html`<div class="field">
          <label for=${`${id}-enterprise`}>${t("statement.enterprise")}</label>
          <select
            id=${`${id}-enterprise`}
            @change=${(e: Event) => {
              state.enterpriseId = (e.target as HTMLSelectElement).value || null;
              update();
            }}
          >
            <option value="" ?selected=${!state.enterpriseId}>${t("statement.chooseEnterprise")}</option>
            ${kinds.map(
              (k) => html`<optgroup label=${vocabLabel("enterpriseKind", k)}>
                ${enterprises
                  .filter((e) => e.kind === k)
                  .map((e) => html`<option value=${e.id} ?selected=${e.id === state.enterpriseId}>${e.name}</option>`)}
              </optgroup>`,
            )}
          </select>
        </div>`
      : nothing}
    <div class="field">
      <label for=${`${id}-month`}>${t("statement.month")}</label>
      <input
        id=${`${id}-month`}
        type="month"
        required
        .value=${state.month}
        @change=${(e: Event) => {
          state.month = (e.target as HTMLInputElement).value;
          update();
        }}
      />
    </div>
    <div class="field field-action">
      <button type="submit" class="btn btn-primary" aria-disabled=${ready ? "false" : "true"}>${t("statement.open")}</button>
    </div>
  </form>`;
}
