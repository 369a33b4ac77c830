// The operators' admin in real Chromium: the dashboard's figures match jobs made in known states,
// a job is canceled from its page through the confirmation page, and the dashboard, a job page
// and the user list are photographed at desktop and phone sizes.
//
// On a platform of its own whose jobs run for two minutes, so nothing moves while the figures are
// read: a user's 3 goods jobs are 1 running and 2 waiting (MAX_PER_USER_CONCURRENT=1).
import type { Page } from "@playwright/test";

import { expect, pngFile, test } from "./fixtures";
import { ADMIN_SIZES, adminSignIn, photographAdmin } from "./helpers";
import { startPlatform, type Platform } from "./platform.mjs";
import { ADMIN_USER, EDITOR_USER, PASSWORD, STAFF_USER } from "./users";

const OWNER = "ops-owner";

test.describe.configure({ mode: "serial" });

let platform: Platform;
let url: (path: string) => string;

test.beforeAll(async ({ state }) => {
  test.setTimeout(120_000);
  platform = await startPlatform({
    base: state.base,
    name: "admin-ops",
    env: { LOCAL_PROVIDER_DELAY_SECONDS: "120" },
    password: PASSWORD,
    users: [
      { username: OWNER },
      { username: ADMIN_USER, is_superuser: true },
      { username: STAFF_USER, is_staff: true, groups: ["operators"] },
      { username: EDITOR_USER, is_staff: true, groups: ["content managers"] },
    ],
  });
  url = (path) => `${platform.baseURL}${path}`;
});

test.afterAll(async () => {
  await platform?.stop();
});

/** The owner's jobs, made through the API with the owner's session. */
async function goodsJobs(page: Page, count: number): Promise<string[]> {
  await page.goto(url("/admin/login/"));  // sets the CSRF cookie
  const csrf = (await page.context().cookies()).find((c) => c.name === "csrftoken")!.value;
  const signIn = await page.request.post(url("/api/v1/auth/session"), {
    data: { username: OWNER, password: PASSWORD }, headers: { "X-CSRFToken": csrf },
  });
  expect(signIn.status()).toBe(200);
  const token = (await page.context().cookies()).find((c) => c.name === "csrftoken")!.value;
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const response = await page.request.post(url("/api/v1/jobs/goods"), {
      multipart: { character_image: pngFile("character.png", 400, 400, i * 40), goods_type: "mug" },
      headers: { "X-CSRFToken": token },
    });
    expect(response.status(), await response.text()).toBe(202);
    ids.push((await response.json()).id);
  }
  return ids;
}

async function figure(page: Page, name: string): Promise<string> {
  return (await page.locator(`[data-figure="${name}"]`).textContent())!.trim();
}

/** Reload the index until the dashboard (cached a few seconds) shows `expected`. */
async function expectFigures(page: Page, expected: Record<string, string>): Promise<void> {
  await expect.poll(async () => {
    await page.goto(url("/admin/"));
    const seen: Record<string, string> = {};
    for (const name of Object.keys(expected)) seen[name] = await figure(page, name);
    return seen;
  }, { timeout: 30_000, intervals: [1000] }).toEqual(expected);
}

test("the dashboard's figures match the jobs, and a job is canceled after its confirmation page", async ({ browser, shot }) => {
  const ownerPage = await (await browser.newContext()).newPage();
  const [first, second, third] = await goodsJobs(ownerPage, 3);

  const context = await browser.newContext({ viewport: ADMIN_SIZES.desktop });
  const page = await context.newPage();
  await adminSignIn(page, url("/admin/login/?next=/admin/"), ADMIN_USER, PASSWORD);
  await expectFigures(page, { waiting: "2", running: "1", created: "3", failed: "0" });
  const goodsRow = page.locator('tr[data-kind="goods"][data-provider="local"]');
  await expect(goodsRow.locator("td.num")).toHaveText(["2", "1"]);
  await expect(page.locator("#ops-oldest-waiting a")).toHaveText(second.slice(0, 8));
  await expect(page.locator("#ops-oldest-running a")).toHaveText(first.slice(0, 8));
  await photographAdmin(page, shot, "dashboard");

  // The waiting count links to the waiting jobs: exactly the two.
  await page.locator('[data-figure="waiting"]').click();
  await expect(page.locator("#result_list tbody tr")).toHaveCount(2);
  await photographAdmin(page, shot, "job-list");

  // The newest waiting job's page: where it stands, then cancel through the confirmation page.
  await page.goto(url(`/admin/generation/job/${third}/change/`));
  await expect(page.locator(".job-status")).toHaveText("Queued");
  await expect(page.locator(".field-queue_state")).toContainText("Waiting: position 2 for local; its owner's running limit is reached (user_concurrency)");
  await photographAdmin(page, shot, "job-page");
  await page.getByRole("button", { name: "Cancel this job…" }).click();
  await expect(page.locator("#chosen-jobs")).toContainText(third.slice(0, 8));
  await photographAdmin(page, shot, "job-cancel-confirmation");
  await page.getByRole("button", { name: "Yes, cancel 1 job" }).click();
  await expect(page).toHaveURL(url(`/admin/generation/job/${third}/change/`));
  await expect(page.locator(".messagelist")).toHaveText(`Canceled 1 job: ${third.slice(0, 8)}.`);
  await expect(page.locator(".job-status")).toHaveText("Canceled");
  await expect(page.getByRole("button", { name: "Retry as its owner…" })).toBeVisible();
  await page.locator(".historylink").click();
  await expect(page.locator("#change-history")).toContainText(`Canceled by ${ADMIN_USER} in the admin.`);

  await expectFigures(page, { waiting: "1", running: "1", created: "3" });
  await context.close();
});

test("on a phone the jobs and images lists show each row's status first", async ({ browser, shot }) => {
  const ownerPage = await (await browser.newContext()).newPage();
  await goodsJobs(ownerPage, 0);  // signs the owner in
  const token = (await ownerPage.context().cookies()).find((c) => c.name === "csrftoken")!.value;
  const uploaded = await ownerPage.request.post(url("/api/v1/images/upload"), {
    multipart: { image: pngFile("photo.png", 480, 360, 200) }, headers: { "X-CSRFToken": token },
  });
  expect(uploaded.status(), await uploaded.text()).toBe(201);

  const page = await (await browser.newContext({ viewport: ADMIN_SIZES.phone })).newPage();
  await adminSignIn(page, url("/admin/login/?next=/admin/"), ADMIN_USER, PASSWORD);
  for (const [path, status, other] of [
    ["/admin/generation/job/", ".field-status_badge", ".field-short_id"],
    ["/admin/gallery/image/", ".field-state", ".field-short_id"],
  ]) {
    await page.goto(url(path));
    const row = page.locator("#result_list tbody tr").first();
    const first = (await row.locator(status).boundingBox())!;
    const second = (await row.locator(other).boundingBox())!;
    expect(first.x + first.width).toBeLessThanOrEqual(390);  // on screen
    expect(first.y < second.y || (first.y === second.y && first.x < second.x)).toBe(true);
  }
  await shot("admin-image-list-phone", page);
});

test("the user list shows the limits that apply and usage against quota", async ({ browser, shot }) => {
  const page = await (await browser.newContext({ viewport: ADMIN_SIZES.desktop })).newPage();
  await adminSignIn(page, url("/admin/login/?next=/admin/"), ADMIN_USER, PASSWORD);
  await page.goto(url("/admin/accounts/user/"));
  const row = page.locator("#result_list tbody tr", { has: page.getByRole("link", { name: OWNER, exact: true }) });
  await expect(row.locator(".field-queue_limit")).toHaveText("3 (default)");
  await expect(row.locator(".field-concurrency_limit")).toHaveText("1 (default)");
  await photographAdmin(page, shot, "user-list");
  await row.getByRole("link", { name: OWNER, exact: true }).click();
  await expect(page.locator(".field-limits_applied")).toContainText("Waiting jobs: 3 (default)");
  await photographAdmin(page, shot, "user-page");
});

test("an operator sees the dashboard without internal models; a content manager sees no dashboard", async ({ browser }) => {
  const operator = await (await browser.newContext({ viewport: ADMIN_SIZES.desktop })).newPage();
  await adminSignIn(operator, url("/admin/login/?next=/admin/"), STAFF_USER, PASSWORD);
  await expect(operator.locator("#ops-dashboard")).toBeVisible();
  await expect(operator.locator('a[href="/admin/generation/enginelease/"]')).toHaveCount(0);
  expect((await operator.goto(url("/admin/generation/enginelease/")))!.status()).toBe(403);

  const editor = await (await browser.newContext({ viewport: ADMIN_SIZES.desktop })).newPage();
  await adminSignIn(editor, url("/admin/login/?next=/admin/"), EDITOR_USER, PASSWORD);
  await expect(editor.locator("#ops-dashboard")).toHaveCount(0);
  expect((await editor.goto(url("/admin/generation/job/")))!.status()).toBe(403);
});
