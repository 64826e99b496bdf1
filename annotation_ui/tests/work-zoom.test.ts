import { describe, expect, it } from "vitest";
import { viewKey } from "../src/work/keys";
import {
  MAX_SCALE,
  ZOOM_STEP,
  centre,
  clampScale,
  clampView,
  contentOffset,
  fitScale,
  fitView,
  imageToViewport,
  panBy,
  stepScale,
  viewportToImage,
  wheelScale,
  zoomAt,
  type View,
} from "../src/work/zoom";

const big = { width: 4000, height: 3000 };
const small = { width: 400, height: 300 };
const room = { width: 1000, height: 500 };

describe("fit and limits", () => {
  it("fits a large image by its tighter side and never enlarges a small one", () => {
    expect(fitScale(big, room)).toBeCloseTo(500 / 3000);
    expect(fitScale({ width: 4000, height: 100 }, room)).toBeCloseTo(1000 / 4000);
    expect(fitScale(small, room)).toBe(1);
  });

  it("copes with sizes not known yet", () => {
    expect(fitScale({ width: 0, height: 0 }, room)).toBe(1);
    expect(fitScale(big, { width: 0, height: 0 })).toBe(1);
  });

  it("zooms out no further than fit and in no further than MAX_SCALE", () => {
    const fit = fitScale(big, room);
    expect(clampScale(0.01, big, room)).toBeCloseTo(fit);
    expect(clampScale(100, big, room)).toBe(MAX_SCALE);
    expect(clampScale(Number.NaN, big, room)).toBeCloseTo(fit);
    expect(clampScale(2, small, room)).toBe(2);
  });

  it("keeps the scroll offsets inside the content", () => {
    expect(clampView({ scale: 1, x: -50, y: 99999 }, big, room)).toEqual({ scale: 1, x: 0, y: 2500 });
    // Content narrower than the viewport is centred: no scrolling on that axis.
    expect(clampView({ scale: 1, x: 30, y: 30 }, small, room)).toEqual({ scale: 1, x: 0, y: 0 });
  });
});

describe("coordinate conversions", () => {
  it("centres content smaller than the viewport", () => {
    expect(contentOffset(fitView(small, room), small, room)).toEqual({ x: 300, y: 100 });
    expect(viewportToImage(fitView(small, room), { x: 300, y: 100 }, small, room)).toEqual({ x: 0, y: 0 });
    expect(viewportToImage(fitView(small, room), { x: 700, y: 400 }, small, room)).toEqual({ x: 400, y: 300 });
  });

  it("maps through scale and scroll, and back", () => {
    const view: View = { scale: 2, x: 1000, y: 600 };
    expect(viewportToImage(view, { x: 0, y: 0 }, big, room)).toEqual({ x: 500, y: 300 });
    expect(viewportToImage(view, { x: 100, y: 50 }, big, room)).toEqual({ x: 550, y: 325 });
    for (const p of [{ x: 0, y: 0 }, { x: 123.5, y: 77 }, { x: 999, y: 499 }]) {
      const back = imageToViewport(view, viewportToImage(view, p, big, room), big, room);
      expect(back.x).toBeCloseTo(p.x);
      expect(back.y).toBeCloseTo(p.y);
    }
  });
});

describe("zooming and panning", () => {
  it("keeps the image point under the pointer where it was", () => {
    const start: View = { scale: 1, x: 1000, y: 800 };
    const pointer = { x: 300, y: 200 };
    const before = viewportToImage(start, pointer, big, room);
    const zoomed = zoomAt(start, 2, pointer, big, room);
    expect(zoomed.scale).toBe(2);
    const after = viewportToImage(zoomed, pointer, big, room);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
  });

  it("zooms around the centre when asked (keys, buttons)", () => {
    const start = clampView({ scale: 0.5, x: 200, y: 300 }, big, room);
    const mid = viewportToImage(start, centre(room), big, room);
    const zoomed = zoomAt(start, stepScale(start.scale, 1), centre(room), big, room);
    expect(zoomed.scale).toBeCloseTo(0.5 * ZOOM_STEP);
    const after = viewportToImage(zoomed, centre(room), big, room);
    expect(after.x).toBeCloseTo(mid.x);
    expect(after.y).toBeCloseTo(mid.y);
  });

  it("stops at the edges instead of showing empty space", () => {
    const zoomed = zoomAt(fitView(big, room), 2, { x: 0, y: 0 }, big, room);
    expect(zoomed.x).toBeGreaterThanOrEqual(0);
    expect(zoomed.y).toBeGreaterThanOrEqual(0);
    const out = zoomAt({ scale: 2, x: 3000, y: 2000 }, 0.001, { x: 500, y: 250 }, big, room);
    expect(out).toEqual(fitView(big, room));
  });

  it("pans within the content", () => {
    const view: View = { scale: 1, x: 100, y: 100 };
    expect(panBy(view, 50, -20, big, room)).toEqual({ scale: 1, x: 150, y: 80 });
    expect(panBy(view, -500, 0, big, room).x).toBe(0);
    expect(panBy(fitView(small, room), 40, 40, small, room)).toEqual(fitView(small, room));
  });

  it("turns wheel distance into a bounded zoom", () => {
    expect(wheelScale(1, -100)).toBeCloseTo(ZOOM_STEP);
    expect(wheelScale(1, 100)).toBeCloseTo(1 / ZOOM_STEP);
    expect(wheelScale(1, -3, 1)).toBeCloseTo(ZOOM_STEP ** 0.48);
    expect(wheelScale(1, -100000)).toBeCloseTo(ZOOM_STEP ** 2);
    expect(wheelScale(1, 0)).toBe(1);
  });
});

describe("view keys", () => {
  const key = (k: string, mods: Partial<KeyboardEvent> = {}) => viewKey({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

  it("maps + − 0 and the arrows", () => {
    expect(key("+")).toEqual({ kind: "zoom", direction: 1 });
    expect(key("=")).toEqual({ kind: "zoom", direction: 1 });
    expect(key("-")).toEqual({ kind: "zoom", direction: -1 });
    expect(key("0")).toEqual({ kind: "fit" });
    expect(key("ArrowLeft")).toEqual({ kind: "pan", dx: -1, dy: 0 });
    expect(key("ArrowDown")).toEqual({ kind: "pan", dx: 0, dy: 1 });
  });

  it("leaves browser shortcuts and other keys alone", () => {
    expect(key("+", { ctrlKey: true })).toBeNull();
    expect(key("0", { metaKey: true })).toBeNull();
    expect(key("a")).toBeNull();
  });
});
