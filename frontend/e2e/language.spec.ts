// The language switch: 한국어 ↔ English, applied at once and remembered after a reload.
import { expect, signIn, test } from "./fixtures";

test("switching to English and back is applied at once and remembered after a reload", async ({ page, account, shot }) => {
  await signIn(page, account, "/jobs");
  const nav = page.getByRole("navigation", { name: "주 메뉴" });
  await expect(nav.getByRole("link", { name: "갤러리" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "ko");

  await page.getByRole("group", { name: "언어" }).getByRole("button", { name: "English" }).click();
  const navEn = page.getByRole("navigation", { name: "Main" });
  await expect(navEn.getByRole("link", { name: "Gallery" })).toBeVisible();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await shot("language-switched-to-english");

  await page.reload();
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Gallery" })).toBeVisible();
  await expect(page.getByRole("group", { name: "Language" }).getByRole("button", { name: "English" }))
    .toHaveAttribute("aria-pressed", "true");

  await page.getByRole("group", { name: "Language" }).getByRole("button", { name: "한국어" }).click();
  await expect(page.getByRole("navigation", { name: "주 메뉴" }).getByRole("link", { name: "갤러리" })).toBeVisible();
  await page.reload();
  await expect(page.getByRole("navigation", { name: "주 메뉴" }).getByRole("link", { name: "갤러리" })).toBeVisible();
});

test("the sign-in page has the switch too, and the choice carries into the app", async ({ page, account }) => {
  await page.goto("/signin");
  await page.getByRole("button", { name: "English" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("Username").fill(account.username);
  await page.getByLabel("Password").fill(account.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
});
