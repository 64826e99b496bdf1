/**
 * Keys of the review page, pure. Outside form fields: j / → next item, k / ← previous (↑ ↓ still scroll),
 * a accept the consensus, 1–9 pick that annotator's label, c correct, r reject (focus goes to
 * the comment). While correcting, the class keys belong to the correction (the page handles
 * them like the workstation does) and only Escape is ours; in form fields only Escape counts.
 */

export type ReviewMode = "compare" | "correct" | "reject";

export type ReviewCommand =
  | { kind: "next" }
  | { kind: "prev" }
  | { kind: "accept" }
  | { kind: "pick"; n: number }
  | { kind: "correct" }
  | { kind: "reject" }
  | { kind: "cancel" };

export interface KeyInput {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

export function reviewCommand(e: KeyInput, mode: ReviewMode, inField: boolean): ReviewCommand | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === "Escape") return mode === "compare" ? null : { kind: "cancel" };
  if (inField || mode !== "compare") return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  switch (key) {
    case "j":
    case "ArrowRight":
      return { kind: "next" };
    case "k":
    case "ArrowLeft":
      return { kind: "prev" };
    case "a":
      return { kind: "accept" };
    case "c":
      return { kind: "correct" };
    case "r":
      return { kind: "reject" };
  }
  if (/^[1-9]$/.test(key)) return { kind: "pick", n: Number(key) };
  return null;
}

/** Is the key press meant for a form control (typing, choosing an option)? */
export function isFormTarget(target: EventTarget | null): boolean {
  if (!target || typeof (target as Element).closest !== "function") return false;
  const el = target as HTMLElement;
  return !!el.closest("input, textarea, select, [contenteditable='true']");
}
