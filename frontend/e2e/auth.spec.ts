// Signing in and out, and deep links that survive the sign-in and a reload.
import { expect, signIn, test } from "./fixtures";

test("a deep link while signed out goes through sign-in and back, and a reload stays there", async ({ page, account, tr, shot }) => {
  await page.goto("/jobs");
  await expect(page).toHaveURL(/\/signin\?next=%2Fjobs$/);
  await expect(page.getByRole("heading", { name: tr("로그인", "Sign in") })).toBeVisible();
  await shot("signin");

  await page.getByLabel(tr("아이디", "Username")).fill(account.username);
  await page.getByLabel(tr("비밀번호", "Password")).fill(account.password);
  await page.getByRole("button", { name: tr("로그인", "Sign in") }).click();

  await expect(page).toHaveURL(/\/jobs$/);
  await expect(page.getByRole("navigation", { name: tr("주 메뉴", "Main") })).toBeVisible();
  await page.reload();
  await expect(page).toHaveURL(/\/jobs$/);
  await expect(page.getByRole("link", { name: tr("작업", "Jobs"), exact: true })).toHaveAttribute("aria-current", "page");
});

test("a wrong password is refused in words and nobody is signed in", async ({ page, account, tr }) => {
  await page.goto("/signin");
  await page.getByLabel(tr("아이디", "Username")).fill(account.username);
  await page.getByLabel(tr("비밀번호", "Password")).fill("not-the-password");
  await page.getByRole("button", { name: tr("로그인", "Sign in") }).click();
  await expect(page.getByRole("alert")).toHaveText(
    tr("아이디 또는 비밀번호가 올바르지 않습니다.", "Wrong username or password."),
  );
  await page.goto("/gallery");
  await expect(page).toHaveURL(/\/signin\?next=%2Fgallery$/);
});

test("signing out ends the session: app pages ask to sign in again", async ({ page, account, tr, shot }) => {
  await signIn(page, account, "/account");
  await shot("account");
  await page.getByRole("button", { name: tr("로그아웃", "Sign out") }).click();
  await expect(page).toHaveURL(/\/signin/);
  await page.goto("/create/ppl");
  await expect(page).toHaveURL(/\/signin\?next=%2Fcreate%2Fppl$/);
  const me = await page.request.get("/api/v1/auth/me");
  expect(me.status()).toBe(401);
});
