import { describe, expect, it } from "vitest";
import type { WorkRow } from "../src/api/types";
import { addDays, hoursBetween, isMonth, parkHour, parkToday, periodStart, periodsBetween, previousMonth } from "../src/stats/periods";
import { addDecimals, byPeriod, sumByKey, sumRows } from "../src/stats/rows";
import { nextSort, sortRows, type Column } from "../src/ui/table";

function row(over: Partial<WorkRow>): WorkRow {
  return {
    period: "2025-06-02",
    key: "a",
    name: "A",
    labels: 0,
    gold_labels: 0,
    accepted: 0,
    rejected: 0,
    pending: 0,
    skips: 0,
    active_hours: 0,
    lease_hours: 0,
    labels_per_active_hour: null,
    earned: "0",
    ...over,
  };
}

describe("exact money sums", () => {
  it("adds decimal strings without float error", () => {
    expect(addDecimals("0.1", "0.2")).toBe("0.3");
    expect(addDecimals("12.3400", "0.5", "3")).toBe("15.8400");
    expect(addDecimals()).toBe("0");
    expect(addDecimals("-1.25", "1")).toBe("-0.25");
    expect(addDecimals("999999999999.9999", "0.0001")).toBe("1000000000000.0000");
  });
});

describe("work rows added up", () => {
  it("sums counts, hours and money and computes the ratios again", () => {
    const s = sumRows([
      row({ labels: 10, accepted: 8, rejected: 1, pending: 1, active_hours: 0.5, earned: "4.0000", gold_judged: 4, gold_correct: 3, judged: 8, agreed: 6 }),
      row({ period: "2025-07-01", labels: 20, accepted: 20, active_hours: 1.5, earned: "10.5000", gold_judged: 0, gold_correct: 0, judged: 12, agreed: 12 }),
    ]);
    expect(s).toMatchObject({ labels: 30, accepted: 28, rejected: 1, pending: 1, active_hours: 2, earned: "14.5000", labels_per_active_hour: 15 });
    expect(s.gold_accuracy).toBe(0.75);
    expect(s.agreement).toBe(0.9);
  });

  it("leaves newer quality figures out when the server did not send them", () => {
    const s = sumRows([row({ labels: 1 })]);
    expect(s.gold_accuracy).toBeUndefined();
    expect(s.agreement).toBeUndefined();
    expect(sumRows([row({ labels: 1, judged: 0, agreed: 0 })]).agreement).toBeNull();
  });

  it("groups by key in order of first appearance", () => {
    const rows = [row({ key: "b", labels: 1 }), row({ key: "a", labels: 2 }), row({ key: "b", labels: 3 })];
    expect(sumByKey(rows).map((r) => [r.key, r.labels])).toEqual([
      ["b", 4],
      ["a", 2],
    ]);
  });

  it("looks rows up by period (and hour)", () => {
    const m = byPeriod([row({ period: "2025-06-02" }), row({ period: "2025-06-03", hour: 9 })]);
    expect(m.has("2025-06-02")).toBe(true);
    expect(m.has("2025-06-03T9")).toBe(true);
  });
});

describe("the park's calendar", () => {
  it("is Asia/Shanghai whatever the viewer's zone", () => {
    expect(parkToday(new Date("2025-06-30T16:30:00Z"))).toBe("2025-07-01");
    expect(parkToday(new Date("2025-06-30T15:30:00Z"))).toBe("2025-06-30");
  });

  it("names periods by their first day, as the server does", () => {
    expect(periodStart("2025-06-04", "week")).toBe("2025-06-02"); // a Wednesday → Monday
    expect(periodStart("2025-06-08", "week")).toBe("2025-06-02"); // a Sunday → Monday
    expect(periodStart("2025-06-30", "month")).toBe("2025-06-01");
    expect(periodsBetween("2025-05-30", "2025-06-02", "day")).toEqual(["2025-05-30", "2025-05-31", "2025-06-01", "2025-06-02"]);
    expect(periodsBetween("2025-06-04", "2025-06-16", "week")).toEqual(["2025-06-02", "2025-06-09", "2025-06-16"]);
    expect(periodsBetween("2024-12-15", "2025-02-01", "month")).toEqual(["2024-12-01", "2025-01-01", "2025-02-01"]);
  });

  it("lists park hours up to the current one", () => {
    const now = new Date("2025-06-02T01:30:00Z"); // 09:30 in the park
    expect(parkHour(now)).toBe(9);
    const hours = hoursBetween("2025-06-01", "2025-06-02", now);
    expect(hours).toHaveLength(24 + 10);
    expect(hours[0]).toEqual(["2025-06-01", 0]);
    expect(hours.at(-1)).toEqual(["2025-06-02", 9]);
  });

  it("counts days and months across year ends", () => {
    expect(addDays("2025-01-01", -1)).toBe("2024-12-31");
    expect(addDays("2024-02-28", 1)).toBe("2024-02-29");
    expect(previousMonth("2025-01")).toBe("2024-12");
    expect(isMonth("2025-06")).toBe(true);
    expect(isMonth("2025-13")).toBe(false);
    expect(isMonth("2025-6")).toBe(false);
  });
});

describe("sortable tables", () => {
  type R = { name: string; n: number | null };
  const columns: Column<R>[] = [
    { header: () => "Name", cell: (r) => r.name, sort: (r) => r.name },
    { header: () => "N", cell: (r) => r.n ?? "—", sort: (r) => r.n, numeric: true },
  ];
  const rows: R[] = [
    { name: "b", n: 2 },
    { name: "a", n: null },
    { name: "c", n: 10 },
  ];

  it("sorts numbers as numbers and keeps empty values last", () => {
    expect(sortRows(rows, columns, { index: 1, dir: "desc" }).map((r) => r.name)).toEqual(["c", "b", "a"]);
    expect(sortRows(rows, columns, { index: 1, dir: "asc" }).map((r) => r.name)).toEqual(["b", "c", "a"]);
    expect(sortRows(rows, columns, { index: 0, dir: "asc" }).map((r) => r.name)).toEqual(["a", "b", "c"]);
    expect(sortRows(rows, columns, null)).toEqual(rows);
  });

  it("flips the same column; numbers start largest first, text from A", () => {
    expect(nextSort(null, 1, columns)).toEqual({ index: 1, dir: "desc" });
    expect(nextSort({ index: 1, dir: "desc" }, 1, columns)).toEqual({ index: 1, dir: "asc" });
    expect(nextSort({ index: 1, dir: "desc" }, 0, columns)).toEqual({ index: 0, dir: "asc" });
  });
});
