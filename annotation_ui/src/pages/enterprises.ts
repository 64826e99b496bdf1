/** Enterprises in the park (park admin). */
import { html } from "lit-html";
import { api } from "../api/endpoints";
import type { Enterprise } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { badge, timeView } from "../ui/components";
import { pagedList } from "../ui/paged";
import type { PageFactory } from "../ui/page";
import { dataTable, pager, type Column } from "../ui/table";

const columns: readonly Column<Enterprise>[] = [
  { header: () => t("enterprises.name"), cell: (e) => e.name, rowHeader: true },
  { header: () => t("enterprises.kind"), cell: (e) => vocabLabel("enterpriseKind", e.kind), nowrap: true },
  {
    header: () => t("enterprises.status"),
    cell: (e) =>
      e.is_active ? badge(t("common.active"), "success") : badge(t("common.inactive"), "neutral"),
    nowrap: true,
  },
  { header: () => t("enterprises.created"), cell: (e) => timeView(e.created_at), nowrap: true },
];

const enterprisesPage: PageFactory = (ctx) => {
  const list = pagedList((q, o) => api.listEnterprises(q, o), ctx.signal, ctx.update);
  void list.load(0);
  return {
    view: () => html`
      <p class="muted">${t("enterprises.intro")}</p>
      ${dataTable({
        caption: t("page.enterprises"),
        columns,
        rows: list.rows,
        rowKey: (e) => e.id,
        loading: list.loading,
        error: list.error,
        emptyText: t("enterprises.empty"),
        retry: () => void list.load(),
      })}
      ${pager({ ...list, onPage: (offset) => void list.load(offset) })}
    `,
  };
};

export default enterprisesPage;
