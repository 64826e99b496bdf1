/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from "vite";

// The FastAPI server (same origin in production) listens here during development.
const API_TARGET = "http://127.0.0.1:8000";

/** The line of public/sw.js that each build replaces with its own asset list and version. */
const SW_BUILD_LINE = /^const BUILD = .*; \/\/ BRIGADE_BUILD.*$/m;

/**
 * Tells the service worker (public/sw.js, copied to dist/ as is) what this build consists of:
 * every file under assets/ (source maps aside) to cache on install, and a version (a hash of
 * the file names, which carry content hashes, and of index.html) naming its cache. A new
 * build changes sw.js, so browsers install the new worker and drop the old cache.
 */
function serviceWorkerManifest(): Plugin {
  return {
    name: "brigade-sw-manifest",
    apply: "build",
    async writeBundle(options, bundle) {
      const assets = Object.keys(bundle)
        .filter((name) => name.startsWith("assets/") && !name.endsWith(".map"))
        .sort()
        .map((name) => `/${name}`);
      const index = bundle["index.html"];
      const html = index?.type === "asset" ? String(index.source) : "";
      const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${assets.join("\n")}\n${html}`));
      const version = [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const file = `${options.dir ?? "dist"}/sw.js`;
      const source = String(await this.fs.readFile(file, { encoding: "utf8" }));
      if (!SW_BUILD_LINE.test(source)) throw new Error(`${file}: the BRIGADE_BUILD line is missing`);
      const line = `const BUILD = ${JSON.stringify({ version, assets })}; // BRIGADE_BUILD (written by vite.config.ts)`;
      await this.fs.writeFile(file, source.replace(SW_BUILD_LINE, line));
    },
  };
}

export default defineConfig({
  base: "/",
  plugins: [serviceWorkerManifest()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // ECharts (with zrender) is one lazy chunk that only the stats pages load (src/stats/chart.ts);
    // tree-shaken to line and bar charts it is still about 540 kB minified (185 kB gzipped).
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        manualChunks: (id) => (/[\\/]node_modules[\\/](echarts|zrender)[\\/]/.test(id) ? "echarts" : undefined),
      },
    },
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
