import { afterEach, describe, expect, it, vi } from "vitest";
import { api } from "../src/api/endpoints";
import type { ExportFormat, ExportOut, ExportStatus } from "../src/api/types";
import { setLocale } from "../src/i18n";
import {
  ExportPanel,
  POLL_MS,
  exportRequest,
  fittingFormats,
  formatHint,
  formatTitle,
  isFinished,
  parseConfidence,
  type ExportForm,
} from "../src/stats/exports";
import { fileSize } from "../src/stats/format";

function format(name: string, label_kinds: string[], raw = true): ExportFormat {
  return { name, label_kinds, raw, content_type: "application/json", extension: ".json", description: `${name} from the server` };
}

const FORMATS = [
  format("jsonl", ["image_boxes", "text_classification", "text_spans"]),
  format("coco", ["image_boxes", "image_polygons"]),
  format("yolo", ["image_boxes", "image_polygons"], false),
  format("text_csv", ["text_classification"]),
  format("conll", ["text_spans"], false),
];

const FORM: ExportForm = { format: "jsonl", labels: "raw", onlyAccepted: true, minConfidence: "", imageUrls: false };

afterEach(() => {
  setLocale("zh-CN");
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("export formats", () => {
  it("offers only the formats that hold the job's label kind, in the server's order", () => {
    expect(fittingFormats(FORMATS, "text_classification").map((f) => f.name)).toEqual(["jsonl", "text_csv"]);
    expect(fittingFormats(FORMATS, "image_boxes").map((f) => f.name)).toEqual(["jsonl", "coco", "yolo"]);
    expect(fittingFormats(FORMATS, "image_classification")).toEqual([]);
  });

  it("names and describes known formats in the locale, newer ones as the server does", () => {
    setLocale("en");
    expect(formatTitle("voc")).toBe("Pascal VOC");
    expect(formatHint(format("coco", []))).toBe("COCO detection/segmentation JSON: boxes and polygons.");
    expect(formatTitle("parquet")).toBe("parquet");
    expect(formatHint(format("parquet", []))).toBe("parquet from the server");
    setLocale("zh-CN");
    expect(formatTitle("jsonl")).toBe("JSONL（Brigade 格式）");
  });
});

describe("the export request", () => {
  it("reads the minimum confidence: empty, a number from 0 to 1, or invalid", () => {
    expect(parseConfidence("")).toBeNull();
    expect(parseConfidence("  ")).toBeNull();
    expect(parseConfidence("0")).toBe(0);
    expect(parseConfidence("0.85")).toBe(0.85);
    expect(parseConfidence(".5")).toBe(0.5);
    expect(parseConfidence("1")).toBe(1);
    expect(parseConfidence("1.5")).toBeUndefined();
    expect(parseConfidence("-0.1")).toBeUndefined();
    expect(parseConfidence("0,8")).toBeUndefined();
    expect(parseConfidence("abc")).toBeUndefined();
    expect(parseConfidence("1e-1")).toBeUndefined();
  });

  it("sends raw only for formats that hold it, and image links only for image jobs", () => {
    const [jsonl, , yolo] = FORMATS;
    expect(exportRequest(FORM, jsonl!, "text")).toEqual({ format: "jsonl", labels: "raw", only_accepted: true });
    expect(exportRequest({ ...FORM, minConfidence: "0.8" }, yolo!, "image")).toEqual({
      format: "yolo",
      labels: "consensus",
      only_accepted: true,
      min_confidence: 0.8,
      image_urls: false,
    });
  });

  it("sends nothing while the minimum confidence is not a number from 0 to 1", () => {
    expect(exportRequest({ ...FORM, minConfidence: "2" }, FORMATS[0]!, "text")).toBeNull();
  });

  it("knows when to stop asking", () => {
    expect(["queued", "running", "done", "failed"].map((s) => isFinished(s as "done"))).toEqual([false, false, true, true]);
  });
});

describe("file sizes", () => {
  it("writes bytes, then kB, MB, GB with one decimal", () => {
    expect(fileSize(512, "en")).toBe("512 bytes");
    expect(fileSize(1, "en")).toBe("1 byte");
    expect(fileSize(512, "zh-CN")).toBe("512字节");
    expect(fileSize(1234, "en")).toBe("1.2 kB");
    expect(fileSize(999_960, "en")).toBe("1 MB");
    expect(fileSize(5_432_100, "zh-CN")).toBe("5.4 MB");
    expect(fileSize(7_000_000_000_000, "en")).toBe("7,000 GB");
    expect(fileSize(null)).toBe("—");
  });
});

function exported(id: string, status: ExportStatus, items = 0): ExportOut {
  return {
    id,
    job_id: "job",
    format: "jsonl",
    labels: "consensus",
    filters: {},
    status,
    items_written: items,
    items_skipped: 0,
    labels_written: 0,
    warnings: [],
    file_name: status === "done" ? "job.jsonl" : null,
    content_type: null,
    size_bytes: status === "done" ? 1234 : null,
    sha256: null,
    error: null,
    created_at: "2026-01-01T00:00:00Z",
    started_at: null,
    finished_at: null,
    download_url: status === "done" ? "/files/job.jsonl?sig=x" : null,
  };
}

/** A panel whose earlier exports are `history`, and the answers `GET /exports/{id}` gives in turn. */
function panelWith(history: ExportOut[], answers: ExportOut[]) {
  vi.useFakeTimers();
  vi.spyOn(api, "exportFormats").mockResolvedValue(FORMATS);
  vi.spyOn(api, "listExports").mockResolvedValue({ items: history, total: history.length, limit: 10, offset: 0 });
  const get = vi.spyOn(api, "getExport").mockImplementation(async () => answers.shift() ?? answers[0]!);
  const page = new AbortController();
  const panel = new ExportPanel("job", page.signal, () => {});
  return { panel, get, page };
}

describe("following an export", () => {
  it("asks every second until the export is done, then stops", async () => {
    const { panel, get } = panelWith([exported("e1", "queued")], [exported("e1", "running", 5), exported("e1", "done", 24)]);
    await panel.load(); // the unfinished export on arrival is followed again
    expect(get).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(get).toHaveBeenCalledTimes(1);
    expect(get).toHaveBeenLastCalledWith("e1", expect.anything());
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(get).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(get).toHaveBeenCalledTimes(2);
  });

  it("stops asking when the page is left", async () => {
    const { panel, get, page } = panelWith([exported("e1", "running")], [exported("e1", "running", 1)]);
    await panel.load();
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(get).toHaveBeenCalledTimes(1);
    page.abort();
    await vi.advanceTimersByTimeAsync(POLL_MS * 5);
    expect(get).toHaveBeenCalledTimes(1);
  });

  it("does not follow finished exports", async () => {
    const { panel, get } = panelWith([exported("e2", "done"), exported("e1", "running")], []);
    await panel.load();
    await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    expect(get).not.toHaveBeenCalled();
  });
});
