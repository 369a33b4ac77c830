// The gallery and the trash: select → trash → undo → trash → restore (on /trash) → empty.
import { apiUpload, expect, signIn, test } from "./fixtures";
import { expectImagesLoaded } from "./helpers";

test("select, trash, undo, trash again, restore from the trash and empty it", async ({ page, account, shot }) => {
  await signIn(page, account, "/gallery");
  for (const hue of [1, 2, 3]) await apiUpload(page, `picture-${hue}.png`, hue);
  await page.reload();

  const gallery = page.getByRole("list", { name: "갤러리 이미지" });
  const tiles = gallery.getByRole("listitem");
  await expect(tiles).toHaveCount(3);
  await expectImagesLoaded(tiles.locator("img"), 3);

  // Ctrl+A selects everything, Esc clears.
  await tiles.first().getByRole("button").focus();
  await page.keyboard.press("ControlOrMeta+a");
  const bar = page.getByRole("region", { name: "선택한 이미지" });
  await expect(bar.getByText("3개 선택됨")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(bar).toBeHidden();

  // Two of three to the trash, then undo from the toast.
  await tiles.nth(0).getByRole("checkbox").click();
  await tiles.nth(1).getByRole("checkbox").click();
  await expect(bar.getByText("2개 선택됨")).toBeVisible();
  await shot("gallery-selected");
  await bar.getByRole("button", { name: "휴지통으로 이동" }).click();
  await expect(page.getByRole("status").getByText("2개를 휴지통으로 옮겼습니다")).toBeVisible();
  await expect(tiles).toHaveCount(1);
  await page.getByRole("status").getByRole("button", { name: "실행 취소" }).click();
  await expect(page.getByRole("status").getByText("2개를 복원했습니다")).toBeVisible();
  await expect(tiles).toHaveCount(3);

  // Again, for good this time.
  await tiles.nth(0).getByRole("checkbox").click();
  await tiles.nth(1).getByRole("checkbox").click();
  await bar.getByRole("button", { name: "휴지통으로 이동" }).click();
  await expect(tiles).toHaveCount(1);

  // The trash: days left on each image, restore one, empty the rest.
  await page.getByRole("navigation", { name: "주 메뉴" }).getByRole("link", { name: "휴지통" }).click();
  await expect(page).toHaveURL(/\/trash$/);
  const trash = page.getByRole("list", { name: "휴지통의 이미지" }).getByRole("listitem");
  await expect(trash).toHaveCount(2);
  await expect(trash.first().getByText("30일 후 삭제")).toBeVisible();
  await expectImagesLoaded(trash.locator("img"), 2);
  await shot("trash");

  await trash.nth(0).getByRole("checkbox").click();
  await page.getByRole("region", { name: "선택한 이미지" }).getByRole("button", { name: "복원" }).click();
  await expect(trash).toHaveCount(1);

  await page.getByRole("button", { name: "휴지통 비우기" }).click();
  const confirm = page.getByRole("dialog", { name: "휴지통을 비울까요?" });
  await expect(confirm).toContainText("이미지 1개");
  await expect(confirm).toContainText(/KB|MB/);
  await shot("trash-empty-confirm");
  await confirm.getByRole("button", { name: /휴지통 비우기|영구 삭제/ }).click();
  await expect(page.getByRole("heading", { name: "휴지통이 비어 있습니다" })).toBeVisible();

  await page.getByRole("navigation", { name: "주 메뉴" }).getByRole("link", { name: "갤러리" }).click();
  await expect(tiles).toHaveCount(2);
  const usage = await (await page.request.get("/api/v1/images/usage")).json();
  expect(usage.images).toEqual({ active: 2, trash: 0 });
});
