/** The workstation's view keys, without the DOM: + − 0 zoom the active image, arrows pan it. */

export type ViewKey = { kind: "zoom"; direction: 1 | -1 } | { kind: "fit" } | { kind: "pan"; dx: number; dy: number };

const PANS: Readonly<Record<string, [number, number]>> = {
  ArrowLeft: [-1, 0],
  ArrowRight: [1, 0],
  ArrowUp: [0, -1],
  ArrowDown: [0, 1],
};

/**
 * The view command of a key press (modifier-free, or Shift for "+" on keyboards that need it),
 * or null. Label shortcuts are matched first by the page, so a label may still claim these keys.
 */
export function viewKey(e: Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey">): ViewKey | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (e.key === "+" || e.key === "=") return { kind: "zoom", direction: 1 };
  if (e.key === "-" || e.key === "_") return { kind: "zoom", direction: -1 };
  if (e.key === "0") return { kind: "fit" };
  const pan = PANS[e.key];
  return pan ? { kind: "pan", dx: pan[0], dy: pan[1] } : null;
}
