/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build goes to ../static/app/ (git-ignored): collectstatic picks it up and WhiteNoise serves
// it under /static/app/ with long-lived caching for the hashed assets (name-HASH.ext, matched by
// WHITENOISE_IMMUTABLE_FILE_TEST); Django serves index.html for every app route (config/spa.py).
// The dev server serves the app at / itself.
export default defineConfig(({ command }) => ({
  plugins: [react()],
  base: command === "build" ? "/static/app/" : "/",
  build: {
    outDir: "../static/app",
    emptyOutDir: true,
    assetsDir: "assets",
    assetsInlineLimit: 0, // no data: URLs, and Vite emits no inline script or style: a strict CSP
    sourcemap: false,
  },
  server: {
    // `npm run dev` next to `scripts/run.sh`: the API, the admin and the collected static files
    // (the admin's, the favicon) come from Django; session and CSRF cookies work through the proxy.
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/admin": "http://127.0.0.1:8000",
      "/static": "http://127.0.0.1:8000",
      "/healthz": "http://127.0.0.1:8000",
    },
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test-setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: { modules: { classNameStrategy: "non-scoped" } },
  },
}));
