/** A modal confirmation built on <dialog> (focus trap, Esc to cancel, focus returns after). */
import { html, render } from "lit-html";
import { t } from "../i18n";

export interface ConfirmOptions {
  title: string;
  body: string;
  confirmLabel: string;
  danger?: boolean;
}

export function confirmDialog(o: ConfirmOptions): Promise<boolean> {
  const opener = document.activeElement as HTMLElement | null;
  const dialog = document.createElement("dialog");
  dialog.className = "dialog";
  dialog.setAttribute("aria-labelledby", "dialog-title");
  dialog.setAttribute("aria-describedby", "dialog-body");
  document.body.append(dialog);

  return new Promise<boolean>((resolve) => {
    const close = (result: boolean) => {
      dialog.close();
      dialog.remove();
      opener?.focus?.();
      resolve(result);
    };
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      close(false);
    });
    render(
      html`<h2 id="dialog-title">${o.title}</h2>
        <p id="dialog-body">${o.body}</p>
        <div class="dialog-actions">
          <button type="button" class="btn btn-secondary" autofocus @click=${() => close(false)}>
            ${t("common.cancel")}
          </button>
          <button
            type="button"
            class=${o.danger ? "btn btn-danger" : "btn btn-primary"}
            @click=${() => close(true)}
          >
            ${o.confirmLabel}
          </button>
        </div>`,
      dialog,
    );
    dialog.showModal();
  });
}
