// Image review in the admin, in real Chromium as the superuser: the grid view of one owner's
// images, a purge that first shows what will go and what will be skipped, then its verified
// result; the image page's file links. Each page is photographed at desktop and phone sizes.
//
// On a platform of its own, so the images and the audit log are only this flow's.
import type { Page } from "@playwright/test";

import { csrfToken, expect, pngFile, test } from "./fixtures";
import { ADMIN_SIZES, adminSignIn, expectAllImagesShown, photographAdmin } from "./helpers";
import { startPlatform, type Platform } from "./platform.mjs";
import { ADMIN_USER, PASSWORD } from "./users";

const OWNER = "images-owner";

test.describe.configure({ mode: "serial" });

let platform: Platform;
let url: (path: string) => string;

test.beforeAll(async ({ state }) => {
  test.setTimeout(120_000);
  platform = await startPlatform({
    base: state.base,
    name: "admin-images",
    password: PASSWORD,
    users: [{ username: OWNER }, { username: ADMIN_USER, is_superuser: true }],
  });
  url = (path) => `${platform.baseURL}${path}`;
});

test.afterAll(async () => {
  await platform?.stop();
});

/** The owner's uploads (through the API with the owner's session); the first `trashed` go to the trash. */
async function ownerImages(page: Page, count: number, trashed: number): Promise<string[]> {
  await page.goto(url("/admin/login/"));  // sets the CSRF cookie
  const signIn = await page.request.post(url("/api/v1/auth/session"), {
    data: { username: OWNER, password: PASSWORD }, headers: { "X-CSRFToken": await csrfToken(page) },
  });
  expect(signIn.status()).toBe(200);
  const token = await csrfToken(page);
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const response = await page.request.post(url("/api/v1/images/upload"), {
      multipart: { image: pngFile(`picture-${i}.png`, 480, 360, i * 90) }, headers: { "X-CSRFToken": token },
    });
    expect(response.status(), await response.text()).toBe(201);
    ids.push((await response.json()).id);
  }
  if (trashed) {
    const trash = await page.request.post(url("/api/v1/images/delete"), {
      data: { ids: ids.slice(0, trashed) }, headers: { "X-CSRFToken": token },
    });
    expect(trash.status(), await trash.text()).toBe(200);
  }
  return ids;
}

test("a purge from the grid shows what will go and what is skipped, then the verified result", async ({ browser, shot }) => {
  const ownerPage = await (await browser.newContext()).newPage();
  const [gone1, gone2, kept] = await ownerImages(ownerPage, 3, 2);

  const page = await (await browser.newContext({ viewport: ADMIN_SIZES.desktop })).newPage();
  await adminSignIn(page, url("/admin/login/?next=/admin/"), ADMIN_USER, PASSWORD);
  await page.goto(url(`/admin/gallery/image/?owner=${OWNER}`));
  await expect(page.locator("#result_list tbody tr")).toHaveCount(3);
  await expect(page.locator("#result_list")).toContainText("DELETED");
  await photographAdmin(page, shot, "image-list");

  // The owner filter suggests usernames as they are typed.
  await page.locator("#filter-owner").fill("images-o");
  await expect(page.locator('#owner-suggestions option[value="images-owner"]')).toHaveCount(1);

  // The grid keeps the owner filter; every thumbnail loads.
  await page.getByRole("link", { name: "Grid view" }).click();
  await expect(page).toHaveURL(url(`/admin/gallery/image/grid/?owner=${OWNER}`));
  const grid = page.getByRole("table", { name: "Images" });
  await expect(grid.locator("tr.image-card")).toHaveCount(3);
  await expectAllImagesShown(grid, 3);
  await expect(grid.locator("tr.image-card.is-deleted")).toHaveCount(2);
  await photographAdmin(page, shot, "image-grid");

  // Select the whole page, purge: the confirmation counts the two in the trash and skips the active one.
  await page.locator("#action-toggle").check();
  await expect(grid.locator("input.action-select:checked")).toHaveCount(3);
  await page.locator("select[name=action]").selectOption("purge");
  await page.locator('.actions button[name="index"]').first().click();  // "Go", in the admin's language
  await expect(page.locator(".purge-lead")).toContainText("These 2 images in the trash");
  await expect(page.locator(".purge-owners")).toContainText(OWNER);
  await expect(page.locator(".purge-skipped")).toContainText("1 selected image will be skipped: not in the trash.");
  await photographAdmin(page, shot, "image-purge-confirmation");

  await page.getByRole("button", { name: "Purge 2 images for good" }).click();
  await expect(page.locator(".purge-lead")).toContainText("Purged 2 images");
  await expect(page.locator(".purge-verified")).toContainText("Verified:");
  await expect(page.locator(".purge-skipped")).toContainText("1 selected image skipped: not in the trash.");
  await photographAdmin(page, shot, "image-purge-result");

  // What is left: the active image; the purged ones are gone from the admin and from storage.
  await page.getByRole("link", { name: "The audit record" }).click();
  await expect(page.locator(".field-action")).toContainText("Purged trash");
  await page.goto(url(`/admin/gallery/image/?owner=${OWNER}`));
  await expect(page.locator("#result_list tbody tr")).toHaveCount(1);
  await expect(page.locator("#result_list")).toContainText(kept.slice(0, 8));
  for (const id of [gone1, gone2]) {
    expect((await page.request.get(url(`/admin/gallery/image/${id}/file/`))).status()).toBe(404);
  }
});

test("an image's page opens its file, thumbnail and download", async ({ browser, shot }) => {
  const ownerPage = await (await browser.newContext()).newPage();
  const [image] = await ownerImages(ownerPage, 1, 0);
  const page = await (await browser.newContext({ viewport: ADMIN_SIZES.desktop })).newPage();
  await adminSignIn(page, url("/admin/login/?next=/admin/"), ADMIN_USER, PASSWORD);
  await page.goto(url(`/admin/gallery/image/?q=${image.slice(0, 8)}`));
  await expect(page.locator("#result_list tbody tr")).toHaveCount(1);
  await page.locator("#result_list tbody tr").getByRole("link", { name: image.slice(0, 8) }).click();
  await expectAllImagesShown(page.locator(".field-preview_large"), 1);
  const links = page.locator(".field-files a");
  await expect(links).toHaveText(["File", "Thumbnail", "Download"]);
  for (const [index, type] of [[0, "image/png"], [1, "image/webp"], [2, "image/png"]] as const) {
    const response = await page.request.get(url((await links.nth(index).getAttribute("href"))!));
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toBe(type);
  }
  await photographAdmin(page, shot, "image-page");
});

test("a user's trash is emptied after a dry run", async ({ browser, shot }) => {
  const ownerPage = await (await browser.newContext()).newPage();
  const [trashed] = await ownerImages(ownerPage, 2, 1);
  const page = await (await browser.newContext({ viewport: ADMIN_SIZES.desktop })).newPage();
  await adminSignIn(page, url("/admin/login/?next=/admin/"), ADMIN_USER, PASSWORD);
  await page.goto(url(`/admin/gallery/image/?owner=${OWNER}`));
  await page.getByRole("link", { name: "Empty a user's trash…" }).click();
  await expect(page.locator("#id_username")).toHaveValue(OWNER);
  await photographAdmin(page, shot, "image-empty-trash");
  await page.getByRole("button", { name: "Dry run" }).click();
  await expect(page.locator(".purge-lead")).toContainText("Dry run: 1 image");
  await expect(page.locator(".purge-lead")).toContainText("Nothing has been deleted yet.");
  await expect(page.locator("#user-tools")).toContainText(ADMIN_USER);
  await photographAdmin(page, shot, "image-empty-trash-dry-run");
  await page.getByRole("button", { name: "Purge 1 image for good" }).click();
  await expect(page.locator(".purge-lead")).toContainText(`Purged 1 image`);
  await expect(page.locator(".purge-lead")).toContainText(`from ${OWNER}'s trash`);
  await expect(page.locator(".purge-verified")).toContainText("Verified:");
  expect((await page.request.get(url(`/admin/gallery/image/${trashed}/file/`))).status()).toBe(404);
});
