/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// The FastAPI server (same origin in production) listens here during development.
const API_TARGET = "http://127.0.0.1:8000";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      "/api": { target: API_TARGET },
      "/health": { target: API_TARGET },
    },
  },
  preview: {
    proxy: {
      "/api": { target: API_TARGET },
      "/health": { target: API_TARGET },
    },
  },
  test: {
    environment: "node",
    include: ["tests/**/*.test.ts"],
    // Date tests pin their own time zone; this keeps anything else deterministic too.
    env: { TZ: "Asia/Shanghai" },
  },
});
