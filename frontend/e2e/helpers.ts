// Steps several flows take, written as a person does them (by role and accessible name).
import type { Page } from "@playwright/test";

import { expect, pngFile } from "./fixtures";

type File = ReturnType<typeof pngFile>;

/** Pick a picture for the drop zone named `zone` through its "choose a file" button. */
export async function chooseImage(page: Page, zone: string, file: File, button = /파일 선택|Choose a file/): Promise<void> {
  const group = page.getByRole("group", { name: zone, exact: true });
  const chooser = page.waitForEvent("filechooser");
  await group.getByRole("button", { name: button }).click();
  await (await chooser).setFiles(file);
  // The picture was checked and scaled in the browser: its preview shows.
  await expect(group.getByRole("img")).toBeVisible();
}

/** Wait until every image matched by `images` has loaded (naturalWidth > 0). */
export async function expectImagesLoaded(images: ReturnType<Page["locator"]>, atLeast = 1): Promise<void> {
  await expect.poll(async () => {
    const widths = await images.evaluateAll((nodes) => nodes.map((node) => (node as HTMLImageElement).naturalWidth));
    return widths.length >= atLeast && widths.every((width) => width > 0);
  }, { timeout: 20_000 }).toBe(true);
}

/**
 * Every <img> under `root` is decoded (naturalWidth > 0), after scrolling each into view so lazy
 * ones load too. Answers how many there are.
 */
export async function expectAllImagesShown(root: ReturnType<Page["locator"]>, atLeast = 1): Promise<number> {
  const images = root.locator("img");
  await expect.poll(() => images.count(), { timeout: 20_000 }).toBeGreaterThanOrEqual(atLeast);
  const count = await images.count();
  for (let i = 0; i < count; i += 1) {
    const image = images.nth(i);
    await image.scrollIntoViewIfNeeded();
    await expect.poll(() => image.evaluate((node) => (node as HTMLImageElement).naturalWidth), {
      message: `image ${i + 1} of ${count} is shown`,
      timeout: 15_000,
    }).toBeGreaterThan(0);
  }
  return count;
}

/** The two sizes the admin pages are photographed at. */
export const ADMIN_SIZES = { desktop: { width: 1440, height: 900 }, phone: { width: 390, height: 844 } };

/** Sign in to the Django admin through its login form, as `username`; lands on the index. */
export async function adminSignIn(page: Page, loginUrl: string, username: string, password: string): Promise<void> {
  await page.goto(loginUrl);
  await page.locator("#id_username").fill(username);
  await page.locator("#id_password").fill(password);
  await page.locator("#login-form [type=submit]").click();
  await expect(page.locator("#site-name")).toHaveText("PPL Studio");
}

/** Screenshots of the page at each of ADMIN_SIZES as `admin-<name>-<size>`; left at desktop size. */
export async function photographAdmin(
  page: Page,
  shot: (name: string, page?: Page) => Promise<void>,
  name: string,
): Promise<void> {
  for (const [size, viewport] of Object.entries(ADMIN_SIZES)) {
    await page.setViewportSize(viewport);
    await shot(`admin-${name}-${size}`, page);
  }
  await page.setViewportSize(ADMIN_SIZES.desktop);
}
