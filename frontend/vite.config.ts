/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build goes to ../static/app/ (git-ignored): collectstatic picks it up and WhiteNoise serves
// it under /static/app/ with long-lived caching for the hashed assets; Django serves index.html
// for every app route (config/spa.py).
export default defineConfig({
  plugins: [react()],
  base: "/static/app/",
  build: {
    outDir: "../static/app",
    emptyOutDir: true,
    assetsInlineLimit: 0, // no data: URLs, so the CSP can stay strict
    sourcemap: false,
  },
  server: {
    // `npm run dev` next to `scripts/run.sh`: the API and the admin come from Django.
    proxy: {
      "/api": "http://127.0.0.1:8000",
      "/admin": "http://127.0.0.1:8000",
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
});
