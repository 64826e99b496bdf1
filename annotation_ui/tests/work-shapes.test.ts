import { describe, expect, it } from "vitest";
import {
  annotationLabel,
  boxToAnnotation,
  cleanPolygon,
  polygonToAnnotation,
  rectToBox,
  round2,
  shapeColor,
  shapesFromAnnotations,
  withLabel,
  type ShapeAnnotation,
} from "../src/work/shapes";

const size = { width: 200, height: 100 };
const known = new Set(["car", "person"]);

describe("boxes", () => {
  it("rounds to 2 decimals without -0", () => {
    expect(round2(1.23456)).toBe(1.23);
    expect(round2(2.005 + 1e-9)).toBe(2.01);
    expect(Object.is(round2(-0.001), 0)).toBe(true);
  });

  it("keeps a box inside the image and rounds it", () => {
    expect(rectToBox("car", 10.123, 20.456, 30.111, 40.999, size)).toEqual({ label: "car", x: 10.12, y: 20.46, w: 30.11, h: 41 });
    expect(rectToBox("car", -10, 90, 50, 40, size)).toEqual({ label: "car", x: 0, y: 90, w: 40, h: 10 });
    expect(rectToBox("car", 190, 0, 30, 100, size)).toEqual({ label: "car", x: 190, y: 0, w: 10, h: 100 });
    // any corner order
    expect(rectToBox("car", 50, 50, -20, -10, size)).toEqual({ label: "car", x: 30, y: 40, w: 20, h: 10 });
  });

  it("drops boxes without area (after clamping) or under the minimum size", () => {
    expect(rectToBox("car", 250, 10, 20, 20, size)).toBeNull();
    expect(rectToBox("car", 10, 10, 0, 20, size)).toBeNull();
    expect(rectToBox("car", 10, 10, 0.001, 20, size)).toBeNull(); // rounds to 0
    expect(rectToBox("car", 10, 10, 3, 20, size, 5)).toBeNull();
    expect(rectToBox("car", Number.NaN, 10, 3, 20, size)).toBeNull();
  });
});

describe("polygons", () => {
  it("clamps and rounds points and drops repeats", () => {
    expect(cleanPolygon("car", [[-5, -5], [100.456, 0], [100.456, 0], [300, 150], [-5, -5]], size)).toEqual({
      label: "car",
      points: [[0, 0], [100.46, 0], [200, 100]],
    });
  });

  it("drops polygons with fewer than 3 points or no area", () => {
    expect(cleanPolygon("car", [[0, 0], [10, 10]], size)).toBeNull();
    expect(cleanPolygon("car", [[0, 0], [10, 10], [20, 20]], size)).toBeNull();
    expect(cleanPolygon("car", [[-10, 0], [-20, 10], [-5, 50]], size)).toBeNull(); // all on x = 0
    expect(cleanPolygon("car", [[0, 0], [10, Number.POSITIVE_INFINITY], [20, 20]], size)).toBeNull();
  });
});

describe("annotations", () => {
  it("round-trips boxes and polygons through Annotorious' native model", () => {
    const box = { label: "person", x: 1.5, y: 2, w: 30, h: 40 };
    const poly = { label: "car", points: [[0, 0], [50, 0], [25, 40]] as [number, number][] };
    const anns = [boxToAnnotation(box, "a"), polygonToAnnotation(poly, "b")];
    expect(anns[0]!.target.selector).toEqual({ type: "RECTANGLE", geometry: { x: 1.5, y: 2, w: 30, h: 40, bounds: { minX: 1.5, minY: 2, maxX: 31.5, maxY: 42 } } });
    expect(anns[1]!.target.selector.geometry).toEqual({ points: [[0, 0], [50, 0], [25, 40]], bounds: { minX: 0, minY: 0, maxX: 50, maxY: 40 } });
    expect(shapesFromAnnotations(anns, size, known, "car")).toEqual({ boxes: [box], polygons: [poly] });
  });

  it("reads and replaces the classifying body", () => {
    const a = boxToAnnotation({ label: "car", x: 0, y: 0, w: 1, h: 1 }, "a");
    expect(annotationLabel(a)).toBe("car");
    const comment = { id: "c", annotation: "a", purpose: "commenting", value: "hi" };
    const relabeled = withLabel({ ...a, bodies: [...a.bodies, comment] }, "person");
    expect(annotationLabel(relabeled)).toBe("person");
    expect(relabeled.bodies).toHaveLength(2);
    expect(relabeled.bodies).toContainEqual(comment);
  });

  it("gives unlabeled or unknown shapes the fallback class and ignores other shape types", () => {
    const bare: ShapeAnnotation = {
      id: "x",
      bodies: [],
      target: { annotation: "x", selector: { type: "RECTANGLE", geometry: { x: 10, y: 10, w: 500, h: 5 } } },
    };
    const unknown = withLabel(bare, "gone");
    const ellipse: ShapeAnnotation = { id: "e", bodies: [], target: { annotation: "e", selector: { type: "ELLIPSE", geometry: {} } } };
    expect(shapesFromAnnotations([bare, unknown, ellipse], size, known, "person").boxes).toEqual([
      { label: "person", x: 10, y: 10, w: 190, h: 5 },
      { label: "person", x: 10, y: 10, w: 190, h: 5 },
    ]);
    expect(shapesFromAnnotations([bare], size, known, "car", 6).boxes).toEqual([]);
  });
});

describe("colours", () => {
  it("uses the label's colour, else one by position", () => {
    const labels = [{ name: "car", color: "#112233" }, { name: "person" }, { name: "bad", color: "red" }];
    expect(shapeColor(labels, "car")).toBe("#112233");
    expect(shapeColor(labels, "person")).toBe("#3cb44b");
    expect(shapeColor(labels, "bad")).toBe("#4363d8");
    expect(shapeColor(labels, undefined)).toBe("#e6194b");
  });
});
