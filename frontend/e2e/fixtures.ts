// The suite's fixtures: which platform a test runs against, a user of its own, its language,
// signing in, screenshots and test pictures. Specs import { test, expect } from here.
import { test as base, expect, type Page, type TestInfo } from "@playwright/test";

import {
  claimUser,
  pngImage,
  readState,
  startPlatform,
  type Platform,
  type RunState,
} from "./platform.mjs";
import { SIDE_USERS } from "./users";

export type Lang = "ko" | "en";
export type PlatformKind = "main" | "slow" | "timeout";

/** Platforms started for one worker on first use, besides the main one. */
const SIDE_PLATFORMS: Record<Exclude<PlatformKind, "main">, Record<string, string>> = {
  // Jobs run for two minutes, longer than any flow on it: the queue stays as the flow set it up.
  slow: { LOCAL_PROVIDER_DELAY_SECONDS: "120" },
  // Every job outlives its 2 s budget: it ends timed_out.
  timeout: { JOB_TIMEOUT_SECONDS: "2", LOCAL_PROVIDER_DELAY_SECONDS: "12" },
};

export type Account = { username: string; password: string };

type Target = { baseURL: string; dir: string; users: string[] };

type WorkerFixtures = {
  state: RunState;
  platforms: { get: (kind: PlatformKind) => Promise<Target> };
};

export type E2EOptions = {
  /** The interface language the test expects (set per project, with the browser's locale). */
  lang: Lang;
  /** Which platform the test talks to (test.use({ platformKind: "slow" })). */
  platformKind: PlatformKind;
};

type TestFixtures = {
  target: Target;
  /** A user no other test uses, on the test's platform. */
  account: Account;
  /** Text in the test's language: tr("작업", "Jobs"). */
  tr: (ko: string, en: string) => string;
  /** A full-page screenshot saved as test-results/screenshots/<lang>-<name>.png. */
  shot: (name: string, page?: Page) => Promise<void>;
};

export const test = base.extend<TestFixtures & E2EOptions, WorkerFixtures>({
  lang: ["ko", { option: true }],
  platformKind: ["main", { option: true }],

  state: [
    async ({}, use) => {
      const path = process.env.E2E_STATE;
      if (!path) throw new Error("E2E_STATE is not set: run the suite with `npx playwright test`");
      await use(readState(path));
    },
    { scope: "worker" },
  ],

  platforms: [
    async ({ state }, use, workerInfo) => {
      const started = new Map<PlatformKind, Promise<Platform>>();
      const get = async (kind: PlatformKind): Promise<Target> => {
        if (kind === "main") return state.main;
        if (!started.has(kind)) {
          started.set(
            kind,
            startPlatform({
              base: state.base,
              name: `${kind}-w${workerInfo.workerIndex}`,
              env: SIDE_PLATFORMS[kind],
              users: SIDE_USERS.map((username) => ({ username })),
              password: state.password,
            }),
          );
        }
        const platform = await started.get(kind)!;
        return { baseURL: platform.baseURL, dir: platform.dir, users: SIDE_USERS };
      };
      await use({ get });
      await Promise.all([...started.values()].map(async (platform) => (await platform).stop()));
    },
    { scope: "worker", timeout: 120_000 },
  ],

  target: async ({ platforms, platformKind }, use) => {
    await use(await platforms.get(platformKind));
  },

  baseURL: async ({ target }, use) => {
    await use(target.baseURL);
  },

  account: async ({ target, state }, use) => {
    await use({ username: claimUser(target.dir, target.users), password: state.password });
  },

  tr: async ({ lang }, use) => {
    await use((ko, en) => (lang === "ko" ? ko : en));
  },

  shot: async ({ page, lang }, use, testInfo) => {
    await use(async (name, target = page) => {
      await saveScreenshot(target, testInfo, `${lang}-${name}`);
    });
  },
});

export { expect };

export async function saveScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = `${testInfo.project.outputDir}/screenshots/${name}.png`;
  const body = await page.screenshot({ path, fullPage: true, animations: "disabled" });
  await testInfo.attach(name, { body, contentType: "image/png" });
}

/** The CSRF token Django set as a cookie (the app's index.html sets it). */
export async function csrfToken(page: Page): Promise<string> {
  const cookie = (await page.context().cookies()).find((c) => c.name === "csrftoken");
  if (!cookie) throw new Error("no csrftoken cookie: open a page of the app first");
  return cookie.value;
}

/**
 * Sign in through the API (POST /api/v1/auth/session, as the sign-in page does) and open `path`.
 * Flows that are not about signing in start here; the form itself is tested in auth.spec.ts.
 */
export async function signIn(page: Page, account: Account, path = "/"): Promise<void> {
  await page.goto("/signin");
  const response = await page.request.post("/api/v1/auth/session", {
    data: { username: account.username, password: account.password },
    headers: { "X-CSRFToken": await csrfToken(page) },
  });
  expect(response.status(), await response.text()).toBe(200);
  await page.goto(path);
}

/** A PNG file for <input type=file> (setInputFiles) or a drop zone. */
export function pngFile(name: string, width = 640, height = 480, hue = 0) {
  return { name, mimeType: "image/png", buffer: pngImage(width, height, hue) };
}

/** Call the API with the page's session (for setting up a flow quickly, never for the step under test). */
export async function apiPost(page: Page, path: string, data: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await page.request.post(path, {
    data,
    headers: { "X-CSRFToken": await csrfToken(page), ...headers },
  });
  return { status: response.status(), body: await response.json().catch(() => null) };
}

/** Upload a picture to the gallery with the page's session; answers the image JSON. */
export async function apiUpload(page: Page, name: string, hue = 0) {
  const response = await page.request.post("/api/v1/images/upload", {
    multipart: { image: pngFile(name, 480, 360, hue) },
    headers: { "X-CSRFToken": await csrfToken(page) },
  });
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

/** Queue a goods job with the page's session (setting the scene for a flow); answers the job JSON. */
export async function apiGoodsJob(page: Page, hue = 0, goodsType = "mug") {
  const response = await page.request.post("/api/v1/jobs/goods", {
    multipart: { character_image: pngFile("character.png", 400, 400, hue), goods_type: goodsType },
    headers: { "X-CSRFToken": await csrfToken(page) },
  });
  expect(response.status(), await response.text()).toBe(202);
  return response.json();
}

/** The caller's jobs in these statuses (comma-separated), newest first. */
export async function apiJobs(page: Page, status: string): Promise<{ id: string; status: string; retried_from: string | null }[]> {
  const response = await page.request.get(`/api/v1/jobs?status=${status}&size=100`);
  expect(response.status()).toBe(200);
  return (await response.json()).results;
}
