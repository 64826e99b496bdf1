/**
 * Zoom and pan without the DOM: the arithmetic behind src/work/zoom-view.ts.
 *
 * The image is laid out at `scale` displayed pixels per image pixel inside a fixed viewport
 * (the layout size really changes, no CSS transform: Annotorious maps pointer positions through
 * the element's client size, so answers stay in image pixels at any zoom). `x`/`y` is the
 * viewport's scroll offset in displayed pixels. Content smaller than the viewport is centred on
 * that axis (its scroll offset is then 0).
 *
 * Points called "viewport" are relative to the viewport's top-left corner (client coordinates
 * minus its bounding box); "image" points are in the image's natural pixels.
 */

export interface Size {
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

export interface View {
  scale: number;
  x: number;
  y: number;
}

/** Never more than 8 displayed pixels per image pixel. */
export const MAX_SCALE = 8;
/** One press of + or − (and one button click). */
export const ZOOM_STEP = 1.25;
/** Arrow keys move the view by this share of the viewport. */
export const PAN_STEP = 0.1;

export function clamp(n: number, lo: number, hi: number): number {
  return Math.min(Math.max(n, lo), hi);
}

const positive = (s: Size) => s.width > 0 && s.height > 0;

/** The scale that shows the whole image, never enlarged past its natural size. */
export function fitScale(image: Size, viewport: Size): number {
  if (!positive(image) || !positive(viewport)) return 1;
  return Math.min(viewport.width / image.width, viewport.height / image.height, 1);
}

/** Zooming out stops at "the whole image" (fit), in at MAX_SCALE. */
export function clampScale(scale: number, image: Size, viewport: Size): number {
  const fit = fitScale(image, viewport);
  if (!Number.isFinite(scale)) return fit;
  return clamp(scale, fit, Math.max(MAX_SCALE, fit));
}

/** The view with its scale in range and its scroll offsets inside the content. */
export function clampView(view: View, image: Size, viewport: Size): View {
  const scale = clampScale(view.scale, image, viewport);
  const maxX = Math.max(0, image.width * scale - viewport.width);
  const maxY = Math.max(0, image.height * scale - viewport.height);
  return { scale, x: clamp(view.x, 0, maxX), y: clamp(view.y, 0, maxY) };
}

export function fitView(image: Size, viewport: Size): View {
  return { scale: fitScale(image, viewport), x: 0, y: 0 };
}

/** Where the image's top-left corner is in the viewport (centred on an axis it does not fill). */
export function contentOffset(view: View, image: Size, viewport: Size): Point {
  const axis = (content: number, room: number, scroll: number) => (content < room ? (room - content) / 2 : -scroll);
  return {
    x: axis(image.width * view.scale, viewport.width, view.x),
    y: axis(image.height * view.scale, viewport.height, view.y),
  };
}

export function viewportToImage(view: View, p: Point, image: Size, viewport: Size): Point {
  const o = contentOffset(view, image, viewport);
  return { x: (p.x - o.x) / view.scale, y: (p.y - o.y) / view.scale };
}

export function imageToViewport(view: View, p: Point, image: Size, viewport: Size): Point {
  const o = contentOffset(view, image, viewport);
  return { x: o.x + p.x * view.scale, y: o.y + p.y * view.scale };
}

/** The viewport's centre, where keyboard and button zooms are anchored. */
export function centre(viewport: Size): Point {
  return { x: viewport.width / 2, y: viewport.height / 2 };
}

/**
 * Zoom to `scale` keeping the image point under `anchor` (a viewport point: the pointer, or
 * the centre) where it is, as far as the content's edges allow.
 */
export function zoomAt(view: View, scale: number, anchor: Point, image: Size, viewport: Size): View {
  const target = viewportToImage(view, anchor, image, viewport);
  const s = clampScale(scale, image, viewport);
  return clampView({ scale: s, x: target.x * s - anchor.x, y: target.y * s - anchor.y }, image, viewport);
}

export function panBy(view: View, dx: number, dy: number, image: Size, viewport: Size): View {
  return clampView({ ...view, x: view.x + dx, y: view.y + dy }, image, viewport);
}

/** The scale one + (direction 1) or − (direction -1) step away. */
export function stepScale(scale: number, direction: 1 | -1): number {
  return scale * ZOOM_STEP ** direction;
}

/**
 * The scale after one wheel event: exponential in the distance scrolled, so a mouse notch
 * (100 px) is about one ZOOM_STEP and a trackpad's small deltas zoom smoothly. `deltaMode` is
 * WheelEvent's (0 pixels, 1 lines, 2 pages); one event never zooms more than two steps.
 */
export function wheelScale(scale: number, deltaY: number, deltaMode = 0): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  const steps = clamp(-px / 100, -2, 2);
  return scale * ZOOM_STEP ** steps;
}

/** True when two views show the same thing (within a hundredth of a pixel). */
export function sameView(a: View, b: View): boolean {
  return Math.abs(a.scale - b.scale) < 1e-6 && Math.abs(a.x - b.x) < 0.01 && Math.abs(a.y - b.y) < 0.01;
}
