/**
 * Zoom and pan of one image in its fixed-size viewport (the arithmetic is src/work/zoom.ts).
 *
 * Zoom changes the image's laid-out size and pans by scrolling the viewport (overflow hidden),
 * so the Annotorious layer over it keeps mapping pointer positions to image pixels.
 * Mouse wheel zooms around the pointer (a sideways trackpad swipe pans); dragging with the
 * middle button, or with the left button while Space is held, pans without drawing; the page
 * calls zoomBy / fit / panStep for + − 0 and the arrow keys.
 */
import { centre, clampView, fitView, panBy, PAN_STEP, sameView, stepScale, wheelScale, zoomAt, type Size, type View } from "./zoom";

export interface ZoomViewOptions {
  viewport: HTMLElement;
  /** The image's natural size when the API knows it (else read from the loaded <img>). */
  image: Size | null;
  onChange(view: View): void;
}

export interface ZoomView {
  readonly view: View;
  /** One + (1) or − (-1) step around the viewport's centre. */
  zoomBy(direction: 1 | -1): void;
  /** Show the whole image (and follow the viewport's size again). */
  fit(): void;
  /** Move the view by one arrow-key step (-1, 0 or 1 on each axis). */
  panStep(dx: number, dy: number): void;
  /** Lay the image out again (after the shape editor put its <img> in the viewport). */
  refresh(): void;
  destroy(): void;
}

const EDITABLE = "input, textarea, select, button, a, [contenteditable]";

export function mountZoomView(o: ZoomViewOptions): ZoomView {
  const vp = o.viewport;
  let image: Size | null = o.image && o.image.width > 0 && o.image.height > 0 ? o.image : null;
  let view: View = { scale: 1, x: 0, y: 0 };
  /** True until the annotator zooms or pans: then a resized viewport refits the image. */
  let fitted = true;
  let hovered = false;
  let spaceHeld = false;
  let drag: { id: number; x: number; y: number } | null = null;

  const target = () => vp.querySelector<HTMLImageElement>("img");
  const room = (): Size => ({ width: vp.clientWidth, height: vp.clientHeight });

  function apply(next: View, notify = true): void {
    const img = target();
    if (!image || !img) return;
    view = clampView(next, image, room());
    img.style.width = `${image.width * view.scale}px`;
    img.style.height = `${image.height * view.scale}px`;
    vp.scrollLeft = view.x;
    vp.scrollTop = view.y;
    vp.dataset.zoom = view.scale.toFixed(4);
    if (notify) o.onChange(view);
  }

  function change(next: View): void {
    if (!image) return;
    fitted = false;
    const clamped = clampView(next, image, room());
    if (!sameView(clamped, view)) apply(clamped);
  }

  function fit(): void {
    if (!image) return;
    fitted = true;
    apply(fitView(image, room()));
  }

  function local(e: MouseEvent) {
    const r = vp.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  const onWheel = (e: WheelEvent) => {
    if (!image) return;
    e.preventDefault();
    if (!e.ctrlKey && Math.abs(e.deltaX) > Math.abs(e.deltaY)) return change(panBy(view, e.deltaX, 0, image, room()));
    change(zoomAt(view, wheelScale(view.scale, e.deltaY, e.deltaMode), local(e), image, room()));
  };

  // Capture phase: a pan gesture never reaches the drawing layer underneath.
  const onPointerDown = (e: PointerEvent) => {
    if (!image || !(e.button === 1 || (e.button === 0 && spaceHeld))) return;
    e.preventDefault();
    e.stopPropagation();
    drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
    vp.setPointerCapture(e.pointerId);
    vp.classList.add("is-panning");
  };
  const onPointerMove = (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.id || !image) return;
    e.stopPropagation();
    change(panBy(view, drag.x - e.clientX, drag.y - e.clientY, image, room()));
    drag = { ...drag, x: e.clientX, y: e.clientY };
  };
  const onPointerUp = (e: PointerEvent) => {
    if (!drag || e.pointerId !== drag.id) return;
    e.stopPropagation();
    drag = null;
    vp.classList.remove("is-panning");
  };

  const setSpace = (held: boolean) => {
    spaceHeld = held;
    vp.classList.toggle("is-pan-ready", held);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== " " || !hovered || (e.target as Element | null)?.closest?.(EDITABLE)) return;
    e.preventDefault(); // no page scroll
    if (!e.repeat) setSpace(true);
  };
  const onKeyUp = (e: KeyboardEvent) => e.key === " " && setSpace(false);
  const onBlur = () => setSpace(false);
  const onEnter = () => (hovered = true);
  const onLeave = () => (hovered = false);
  // Focusing something inside (the drawing layer) may scroll the viewport: follow it.
  const onScroll = () => {
    view = { ...view, x: vp.scrollLeft, y: vp.scrollTop };
  };
  const onLoad = (e: Event) => {
    const img = e.target as HTMLImageElement;
    if (image || img.tagName !== "IMG" || !img.naturalWidth) return;
    image = { width: img.naturalWidth, height: img.naturalHeight };
    fit();
  };
  const refresh = () => (fitted ? fit() : apply(view));
  const resize = new ResizeObserver(refresh);

  const listeners: [EventTarget, string, EventListener, AddEventListenerOptions][] = [
    [vp, "wheel", onWheel as EventListener, { passive: false }],
    [vp, "pointerdown", onPointerDown as EventListener, { capture: true }],
    [vp, "pointermove", onPointerMove as EventListener, { capture: true }],
    [vp, "pointerup", onPointerUp as EventListener, { capture: true }],
    [vp, "pointercancel", onPointerUp as EventListener, { capture: true }],
    [vp, "pointerenter", onEnter, {}],
    [vp, "pointerleave", onLeave, {}],
    [vp, "scroll", onScroll, { passive: true }],
    [vp, "load", onLoad, { capture: true }],
    [document, "keydown", onKeyDown as EventListener, {}],
    [document, "keyup", onKeyUp as EventListener, {}],
    [window, "blur", onBlur, {}],
  ];
  for (const [t, name, fn, opts] of listeners) t.addEventListener(name, fn, opts);
  resize.observe(vp);
  fit();

  return {
    get view() {
      return view;
    },
    zoomBy(direction) {
      if (image) change(zoomAt(view, stepScale(view.scale, direction), centre(room()), image, room()));
    },
    fit,
    panStep(dx, dy) {
      if (!image) return;
      const r = room();
      change(panBy(view, dx * r.width * PAN_STEP, dy * r.height * PAN_STEP, image, r));
    },
    refresh,
    destroy() {
      for (const [t, name, fn, opts] of listeners) t.removeEventListener(name, fn, opts);
      resize.disconnect();
    },
  };
}
