// Every page in the project's language (this spec runs in Korean and in English), with data on
// it, at desktop width and at a phone's 390×844: a screenshot of each, its heading, and no
// sideways scrolling on the phone.
import type { Page } from "@playwright/test";

import { apiGoodsJob, apiPost, apiUpload, expect, signIn, test } from "./fixtures";

type Stop = { name: string; path: string; heading: [string, string] };

async function seedData(page: Page) {
  const job = await apiGoodsJob(page, 9, "mug");
  await expect.poll(async () => (await (await page.request.get(`/api/v1/jobs/${job.id}`)).json()).status,
    { timeout: 30_000 }).toBe("succeeded");
  const kept = await apiUpload(page, "kept.png", 10);
  const trashed = await apiUpload(page, "trashed.png", 11);
  expect((await apiPost(page, `/api/v1/images/${trashed.id}/delete`, {})).status).toBe(200);
  return { jobId: job.id as string, imageId: kept.id as string };
}

test("every page, at desktop and phone widths", async ({ page, account, tr, shot }) => {
  test.setTimeout(120_000);
  await signIn(page, account, "/jobs");
  const { jobId } = await seedData(page);

  const stops: Stop[] = [
    { name: "create-ppl", path: "/create/ppl", heading: ["PPL 이미지 만들기", "Make a PPL image"] },
    { name: "create-goods", path: "/create/goods", heading: ["굿즈 목업 만들기", "Make a goods mock-up"] },
    { name: "create-edit", path: "/create/edit", heading: ["이미지 편집", "Edit an image"] },
    { name: "create-page", path: "/create/page", heading: ["상세페이지 만들기", "Make a product page"] },
    { name: "jobs", path: "/jobs", heading: ["작업", "Jobs"] },
    { name: "job-detail", path: `/jobs/${jobId}`, heading: ["굿즈 목업 작업", "Goods mock-up job"] },
    { name: "gallery", path: "/gallery", heading: ["갤러리", "Gallery"] },
    { name: "trash", path: "/trash", heading: ["휴지통", "Trash"] },
    { name: "account", path: "/account", heading: ["계정", "Account"] },
    { name: "not-found", path: "/no-such-page", heading: ["페이지를 찾을 수 없습니다", "Page not found"] },
  ];

  for (const stop of stops) {
    await page.goto(stop.path);
    await expect(page.getByRole("heading", { level: 1, name: tr(...stop.heading) })).toBeVisible();
    await page.waitForLoadState("networkidle");
    await shot(stop.name);
  }

  await page.setViewportSize({ width: 390, height: 844 });
  for (const stop of stops) {
    await page.goto(stop.path);
    await expect(page.getByRole("heading", { level: 1, name: tr(...stop.heading) })).toBeVisible();
    await page.waitForLoadState("networkidle");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect.soft(overflow, `${stop.path} scrolls sideways at 390 px by ${overflow} px`).toBeLessThanOrEqual(0);
    await shot(`phone-${stop.name}`);
  }

  // On a phone the navigation folds into the menu button.
  await page.goto("/gallery");
  const menu = page.getByRole("button", { name: tr("메뉴", "Menu") });
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  const nav = page.getByRole("navigation", { name: tr("주 메뉴", "Main") });
  await expect(nav.getByRole("link", { name: tr("작업", "Jobs"), exact: true })).toBeVisible();
  await shot("phone-menu-open");
  await nav.getByRole("link", { name: tr("작업", "Jobs"), exact: true }).click();
  await expect(page).toHaveURL(/\/jobs$/);
  await expect(menu).toHaveAttribute("aria-expanded", "false");
});
