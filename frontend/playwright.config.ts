// End-to-end tests in real Chromium against the live platform (gunicorn + django-q2 workers,
// SQLite, the `local` provider), started by e2e/global-setup.ts. Playwright cannot download
// browsers here: it drives the system's Chromium (CHROMIUM_PATH, default Debian's).
import { defineConfig } from "@playwright/test";

import type { E2EOptions, Lang } from "./e2e/fixtures";

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

export default defineConfig<E2EOptions>({
  testDir: "./e2e",
  outputDir: "./test-results",
  globalSetup: "./e2e/global-setup.ts",
  // Flows of one file share the platforms their worker starts; each test has its own user.
  fullyParallel: false,
  workers: 2, // a 2-core machine: the platform and its workers need the rest
  retries: process.env.CI ? 1 : 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: process.env.CI ? [["list"], ["html", { open: "never" }]] : "list",
  use: {
    headless: true,
    trace: "on-first-retry",
    screenshot: "only-on-failure",
    viewport: { width: 1280, height: 900 },
    timezoneId: "Asia/Seoul",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
      args: isRoot ? ["--no-sandbox"] : [],
    },
  },
  projects: [
    // Every flow in Korean (the users' language and the issue's wording) ...
    { name: "ko", use: { locale: "ko-KR", lang: "ko" satisfies Lang } },
    // ... and every page, signing in, making images and the gallery in English too.
    {
      name: "en",
      use: { locale: "en-US", lang: "en" satisfies Lang },
      testMatch: ["tour.spec.ts", "auth.spec.ts", "create.spec.ts", "gallery.spec.ts", "events.spec.ts"],
    },
  ],
});
