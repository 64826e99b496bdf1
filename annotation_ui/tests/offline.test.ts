import { describe, expect, it } from "vitest";
import { ApiError } from "../src/api/client";
import type { Me } from "../src/api/types";
import { cachedMe, forgetMe, isUnreachable, ME_STORAGE_KEY, rememberMe, shouldRegisterWorker } from "../src/offline";

function memoryStore() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

const me: Me = {
  id: "u1",
  email: "a@vendor.example.com",
  display_name: "小王",
  role: "annotator",
  locale: "zh-CN",
  enterprise: { id: "e1", name: "标注服务商", kind: "vendor" },
  team: null,
};

describe("the identity kept for starting offline", () => {
  it("is kept, read back and forgotten", () => {
    const store = memoryStore();
    expect(cachedMe(store)).toBeNull();
    rememberMe(me, store);
    expect(cachedMe(store)).toEqual(me);
    forgetMe(store);
    expect(cachedMe(store)).toBeNull();
  });

  it("ignores what does not look like a signed-in user", () => {
    const store = memoryStore();
    for (const raw of ["{", "null", "42", JSON.stringify({ id: "u1" }), JSON.stringify({ ...me, enterprise: null })]) {
      store.data.set(ME_STORAGE_KEY, raw);
      expect(cachedMe(store)).toBeNull();
    }
  });

  it("survives storage that throws", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("full");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    expect(() => rememberMe(me, broken)).not.toThrow();
    expect(() => forgetMe(broken)).not.toThrow();
    expect(cachedMe(broken)).toBeNull();
    expect(cachedMe(null)).toBeNull();
  });
});

describe("when to start offline", () => {
  it("only when the server could not be reached, never on an answer about the session", () => {
    expect(isUnreachable(new ApiError(0, "NetworkError", ""))).toBe(true);
    expect(isUnreachable(new ApiError(503, "ServiceUnavailable", ""))).toBe(true);
    expect(isUnreachable(new ApiError(401, "NotAuthenticated", ""))).toBe(false);
    expect(isUnreachable(new ApiError(500, "InternalError", ""))).toBe(false);
    expect(isUnreachable(new TypeError("x"))).toBe(false);
  });

  it("registers the service worker only in production builds over http(s)", () => {
    expect(shouldRegisterWorker(true, "https:", true)).toBe(true);
    expect(shouldRegisterWorker(true, "http:", true)).toBe(true);
    expect(shouldRegisterWorker(false, "http:", true)).toBe(false);
    expect(shouldRegisterWorker(true, "file:", true)).toBe(false);
    expect(shouldRegisterWorker(true, "https:", false)).toBe(false);
  });
});
