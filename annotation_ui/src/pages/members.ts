/** Members: the user accounts the signed-in admin or QA lead can see. */
import { html } from "lit-html";
import { api } from "../api/endpoints";
import type { User } from "../api/types";
import { t, vocabLabel } from "../i18n";
import { badge, timeView } from "../ui/components";
import { pagedList } from "../ui/paged";
import type { PageFactory } from "../ui/page";
import { dataTable, pager, type Column } from "../ui/table";

const columns: readonly Column<User>[] = [
  { header: () => t("members.name"), cell: (u) => u.display_name || t("common.empty"), rowHeader: true },
  { header: () => t("members.email"), cell: (u) => u.email },
  { header: () => t("members.role"), cell: (u) => vocabLabel("role", u.role), nowrap: true },
  {
    header: () => t("members.status"),
    cell: (u) =>
      u.is_active ? badge(t("common.active"), "success") : badge(t("common.inactive"), "neutral"),
    nowrap: true,
  },
  { header: () => t("members.created"), cell: (u) => timeView(u.created_at), nowrap: true },
];

const membersPage: PageFactory = (ctx) => {
  const users = pagedList((q, o) => api.listUsers(q, o), ctx.signal, ctx.update);
  void users.load(0);
  return {
    view: () => html`
      <p class="muted">${t("members.intro")}</p>
      ${dataTable({
        caption: t("page.members"),
        columns,
        rows: users.rows,
        rowKey: (u) => u.id,
        loading: users.loading,
        error: users.error,
        emptyText: t("members.empty"),
        retry: () => void users.load(),
      })}
      ${pager({ ...users, onPage: (offset) => void users.load(offset) })}
    `,
  };
};

export default membersPage;
