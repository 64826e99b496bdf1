import { describe, expect, it } from "vitest";
import {
  CATALOGS,
  DEFAULT_LOCALE,
  LOCALES,
  VOCABULARIES,
  getLocale,
  hasMessage,
  initialLocale,
  setLocale,
  t,
  translate,
  vocabLabel,
} from "../src/i18n";

describe("message catalogs", () => {
  const [first, ...rest] = LOCALES;

  it("zh-CN is the default locale", () => {
    expect(DEFAULT_LOCALE).toBe("zh-CN");
    expect(initialLocale(null)).toBe("zh-CN");
    expect(initialLocale("fr")).toBe("zh-CN");
    expect(initialLocale("en")).toBe("en");
  });

  it.each(rest)("%s has exactly the same keys as zh-CN", (locale) => {
    const base = Object.keys(CATALOGS[first!]).sort();
    expect(Object.keys(CATALOGS[locale]).sort()).toEqual(base);
  });

  it.each(LOCALES)("%s has no empty or blank messages", (locale) => {
    const empty = Object.entries(CATALOGS[locale])
      .filter(([, v]) => typeof v !== "string" || v.trim() === "")
      .map(([k]) => k);
    expect(empty).toEqual([]);
  });

  it.each(rest)("%s uses the same {placeholders} as zh-CN for every key", (locale) => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    const mismatched = Object.keys(CATALOGS[first!]).filter((k) => {
      const key = k as keyof (typeof CATALOGS)["en"];
      return names(CATALOGS[first!][key]).join() !== names(CATALOGS[locale][key]).join();
    });
    expect(mismatched).toEqual([]);
  });

  it("every locale names every locale for the language switcher", () => {
    for (const l of LOCALES) expect(hasMessage(`lang.${l}`)).toBe(true);
  });

  it("every API vocabulary value has a label", () => {
    const missing: string[] = [];
    for (const [vocab, values] of Object.entries(VOCABULARIES)) {
      for (const v of values) if (!hasMessage(`${vocab}.${v}`)) missing.push(`${vocab}.${v}`);
    }
    expect(missing).toEqual([]);
  });
});

describe("translate", () => {
  it("interpolates params and formats numbers for the locale", () => {
    expect(translate("en", "pager.range", { from: 1, to: 20, total: 1234 })).toBe("1–20 of 1,234");
    expect(translate("zh-CN", "pager.range", { from: 1, to: 20, total: 1234 })).toBe(
      "第 1–20 条，共 1,234 条",
    );
  });

  it("leaves unknown placeholders visible rather than dropping text", () => {
    expect(translate("en", "home.welcome")).toBe("Hello, {name}");
  });

  it("translates API vocabularies and passes unknown values through", () => {
    expect(vocabLabel("role", "qa_lead", "zh-CN")).toBe("质检主管");
    expect(vocabLabel("role", "qa_lead", "en")).toBe("QA lead");
    expect(vocabLabel("domain", "autonomous_driving", "zh-CN")).toBe("自动驾驶");
    expect(vocabLabel("jobStatus", "running", "en")).toBe("Running");
    expect(vocabLabel("jobStatus", "archived", "en")).toBe("archived");
  });

  it("t() follows the active locale", () => {
    setLocale("en");
    expect(getLocale()).toBe("en");
    expect(t("login.submit")).toBe("Sign in");
    setLocale("zh-CN");
    expect(t("login.submit")).toBe("登录");
  });
});
