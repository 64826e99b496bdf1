/** An item's image with one answer's boxes or polygons drawn over it, read-only. */
import { html, nothing, svg, type TemplateResult } from "lit-html";
import type { LabelSchema, ReviewItem } from "../api/types";
import { t } from "../i18n";
import { imageSize, outlines } from "./answers";

/** The SVG's viewBox is the image's pixel size: outlines stored in image pixels land on the
 * displayed image at any size (the SVG is stretched over the <img>). */
export function shapeFigure(item: ReviewItem, schema: LabelSchema, answer: unknown, alt: string): TemplateResult {
  const size = imageSize(item);
  const shapes = size ? outlines(schema, answer, size) : [];
  return html`<div class="qa-stage" data-shapes=${shapes.length}>
    <img class="qa-image" src=${item.image_url ?? ""} alt=${alt} width=${item.width ?? nothing} height=${item.height ?? nothing} loading="lazy" draggable="false" />
    ${size
      ? html`<svg class="qa-shapes" viewBox="0 0 ${size.width} ${size.height}" preserveAspectRatio="none" aria-hidden="true">
          ${shapes.map((s) =>
            s.type === "rect"
              ? svg`<rect x=${s.x} y=${s.y} width=${s.width} height=${s.height} stroke=${s.color} data-label=${s.label}></rect>`
              : svg`<polygon points=${s.points} stroke=${s.color} data-label=${s.label}></polygon>`,
          )}
        </svg>`
      : nothing}
  </div>`;
}

/** The item's content shown once above the comparison (text, or the image for classification). */
export function itemContent(item: ReviewItem): TemplateResult {
  if (item.kind === "image") {
    return html`<img class="qa-image qa-image-main" src=${item.image_url ?? ""} alt=${t("quality.imageAlt", { id: item.item_id })}
      width=${item.width ?? nothing} height=${item.height ?? nothing} draggable="false" />`;
  }
  return html`<div class="item-text qa-text" aria-label=${t("quality.itemText")}>${item.text ?? ""}</div>`;
}
