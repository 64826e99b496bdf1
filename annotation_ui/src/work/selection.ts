/**
 * The browser's current text selection inside `root`, as a span of `text` in Unicode code
 * points (the API's offsets). DOM-bound; the offset arithmetic is `selectionToRange` (pure,
 * unit-tested). Used by the workstation and by the QA lead's span correction.
 */
import { selectionToRange } from "./spans";

export function readTextSelection(root: Element | null, text: string): { start: number; end: number } | null {
  const sel = window.getSelection();
  if (!root || !sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
  const range = sel.getRangeAt(0);
  if (!root.contains(range.startContainer) || !root.contains(range.endContainer)) return null;
  // DOM offsets are UTF-16 units from the start of `root`'s text.
  const utf16 = (node: Node, offset: number) => {
    const r = document.createRange();
    r.selectNodeContents(root);
    r.setEnd(node, offset);
    return r.toString().length;
  };
  return selectionToRange(text, utf16(range.startContainer, range.startOffset), utf16(range.endContainer, range.endOffset));
}
