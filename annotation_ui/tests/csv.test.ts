import { describe, expect, it } from "vitest";
import { BOM, csvField, csvFilename, tableCsv, toCsv } from "../src/ui/csv";
import type { Column } from "../src/ui/table";

describe("CSV fields (RFC 4180)", () => {
  it("leaves plain values alone", () => {
    expect(csvField("王芳")).toBe("王芳");
    expect(csvField(42)).toBe("42");
    expect(csvField(0.5)).toBe("0.5");
    expect(csvField("12.3400")).toBe("12.3400");
    expect(csvField(true)).toBe("true");
  });

  it("writes empty values as nothing", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField("")).toBe("");
  });

  it("quotes commas, quotes and line breaks, doubling inner quotes", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line 1\nline 2")).toBe('"line 1\nline 2"');
    expect(csvField("cr\r")).toBe('"cr\r"');
    expect(csvField("电商评论，情感")).toBe("电商评论，情感"); // a full-width comma is just text
  });

  it("defuses text a spreadsheet would run as a formula, not negative numbers", () => {
    expect(csvField("=SUM(A1:A9)")).toBe("'=SUM(A1:A9)");
    expect(csvField("+86 138")).toBe("'+86 138");
    expect(csvField("@cmd")).toBe("'@cmd");
    expect(csvField("-1+1,2")).toBe(`"'-1+1,2"`);
    expect(csvField("-0.50")).toBe("-0.50");
    expect(csvField(-3)).toBe("-3");
  });
});

describe("CSV files", () => {
  it("has a header line and CRLF after every line", () => {
    expect(toCsv(["a", "b"], [[1, "x,y"], [null, 'q"']])).toBe('a,b\r\n1,"x,y"\r\n,"q"""\r\n');
  });

  it("keeps the BOM apart for the download (Excel reads UTF-8 by it)", () => {
    expect(BOM).toBe("\ufeff");
    expect(toCsv(["名称"], [["张三"]]).startsWith(BOM)).toBe(false);
  });

  it("takes each column's raw value, else its text cell", () => {
    type Row = { name: string; amount: string; n: number };
    const columns: Column<Row>[] = [
      { header: () => "Name", cell: (r) => r.name },
      { header: () => "Amount", cell: (r) => `¥${r.amount}`, csv: (r) => r.amount },
      { header: () => "N", cell: (r) => r.n },
    ];
    expect(tableCsv(columns, [{ name: "李强, Jr.", amount: "1.2500", n: 3 }])).toBe('Name,Amount,N\r\n"李强, Jr.",1.2500,3\r\n');
  });

  it("names files after the table and the day", () => {
    expect(csvFilename("team", new Date(2025, 5, 3))).toBe("brigade-team-2025-06-03.csv");
  });
});
