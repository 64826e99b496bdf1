"""Accessibility checks run in the page: text contrast (WCAG 2 AA), names of controls, and a
visible focus indicator on everything Tab reaches."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

# WCAG relative luminance; backgrounds composited up the tree (translucent tints included).
# Skipped: hidden text, inactive controls (WCAG exempts them), text over images (the zoom
# viewport) and elements with a background image (unknown colours behind the text).
_CONTRAST_JS = """() => {
  const parse = (s) => {
    const m = s.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return { rgb: p.slice(0, 3), a: p.length > 3 ? p[3] : 1 };
  };
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const over = (top, under) => under.map((v, i) => top.rgb[i] * top.a + v * (1 - top.a));
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.backgroundImage !== "none") return null;
      const c = parse(cs.backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a >= 1) break;
      }
    }
    return layers.reverse().reduce((rgb, layer) => over(layer, rgb), [255, 255, 255]);
  };
  const skip = '[aria-hidden="true"], [aria-disabled="true"], :disabled, .zoom-viewport, option';
  const failures = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent.trim() || el.closest(skip)) continue;
    seen.add(el);
    if (!el.getClientRects().length || el.closest(".visually-hidden")) continue;
    const cs = getComputedStyle(el);
    if (cs.visibility !== "visible") continue;
    const bg = background(el);
    const fg = parse(cs.color);
    if (!bg || !fg) continue;
    const text = over(fg, bg);
    const [hi, lo] = [lum(text), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(cs.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(cs.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5) - 0.005) {
      const text = n.textContent.trim().slice(0, 40);
      failures.push({ text, ratio: Math.round(ratio * 100) / 100, color: cs.color });
    }
  }
  return failures;
}"""

_NAMES_JS = """() => {
  const controls = document.querySelectorAll(
    'button, a[href], input:not([type="hidden"]), select, textarea, [role="button"], [tabindex="0"]'
  );
  const nameOf = (el) => {
    const by = el.getAttribute("aria-labelledby");
    const textOf = (id) => document.getElementById(id)?.textContent ?? "";
    const labelled = by ? by.split(/\\s+/).map(textOf).join(" ") : "";
    const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent ?? "" : "";
    return [el.getAttribute("aria-label"), labelled, label, el.closest("label")?.textContent,
            el.textContent, el.getAttribute("title"), el.getAttribute("alt")]
      .map((s) => (s ?? "").trim()).find((s) => s) ?? "";
  };
  return [...controls]
    .filter((el) => el.getClientRects().length && !el.closest('[aria-hidden="true"]'))
    .filter((el) => !nameOf(el))
    .map((el) => el.outerHTML.slice(0, 80));
}"""

_FOCUSED_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2;
  const ring = cs.boxShadow !== "none";
  // SVG controls (Annotorious' shape handles) show focus with a stroke.
  const stroke = el instanceof SVGElement && el.matches(":focus-visible") && cs.stroke !== "none";
  const tag = el.tagName.toLowerCase();
  const name = (el.getAttribute("aria-label") || el.textContent || el.id || "").trim().slice(0, 30);
  const classes = el.getAttribute("class") ?? "";
  return { what: `${tag} ${name}`, visible: outline || ring || stroke, classes };
}"""


async def contrast_failures(page: Page) -> list[dict[str, Any]]:
    failures: list[dict[str, Any]] = await page.evaluate(_CONTRAST_JS)
    return failures


async def unnamed_controls(page: Page) -> list[str]:
    unnamed: list[str] = await page.evaluate(_NAMES_JS)
    return unnamed


async def tab_through(page: Page, presses: int = 40) -> list[dict[str, Any]]:
    """Press Tab ``presses`` times (or until focus leaves the page); what got focus, in order."""
    order: list[dict[str, Any]] = []
    for _ in range(presses):
        await page.keyboard.press("Tab")
        focused: dict[str, Any] | None = await page.evaluate(_FOCUSED_JS)
        if focused is None:
            break
        order.append(focused)
    return order


async def check_page(page: Page) -> None:
    """Contrast, names and visible focus of the page as it is now."""
    low = await contrast_failures(page)
    assert low == [], f"text under 4.5:1 (3:1 large): {low}"
    unnamed = await unnamed_controls(page)
    assert unnamed == [], f"controls without an accessible name: {unnamed}"
    hidden = [f["what"] for f in await tab_through(page) if not f["visible"]]
    assert hidden == [], f"no visible focus on: {hidden}"
