// The gallery and the trash: select → trash → undo → trash → restore (on /trash) → empty
// (in Korean and in English).
import { apiUpload, expect, signIn, test } from "./fixtures";
import { expectImagesLoaded } from "./helpers";

test("select, trash, undo, trash again, restore from the trash and empty it", async ({ page, account, tr, shot }) => {
  await signIn(page, account, "/gallery");
  for (const hue of [1, 2, 3]) await apiUpload(page, `picture-${hue}.png`, hue);
  await page.reload();

  const gallery = page.getByRole("list", { name: tr("갤러리 이미지", "Gallery images") });
  const tiles = gallery.getByRole("listitem");
  await expect(tiles).toHaveCount(3);
  await expectImagesLoaded(tiles.locator("img"), 3);

  // Ctrl+A selects everything, Esc clears.
  await tiles.first().getByRole("button").focus();
  await page.keyboard.press("ControlOrMeta+a");
  const bar = page.getByRole("region", { name: tr("선택한 이미지", "Selected images") });
  await expect(bar.getByText(tr("3개 선택됨", "3 selected"))).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(bar).toBeHidden();

  // Two of three to the trash, then undo from the toast.
  await tiles.nth(0).getByRole("checkbox").click();
  await tiles.nth(1).getByRole("checkbox").click();
  await expect(bar.getByText(tr("2개 선택됨", "2 selected"))).toBeVisible();
  await shot("gallery-selected");
  await bar.getByRole("button", { name: tr("휴지통으로 이동", "Move to trash") }).click();
  await expect(page.getByRole("status").getByText(tr("2개를 휴지통으로 옮겼습니다", "Moved 2 images to the trash"))).toBeVisible();
  await expect(tiles).toHaveCount(1);
  await page.getByRole("status").getByRole("button", { name: tr("실행 취소", "Undo") }).click();
  await expect(page.getByRole("status").getByText(tr("2개를 복원했습니다", "Restored 2 images"))).toBeVisible();
  await expect(tiles).toHaveCount(3);

  // Again, for good this time, selecting at once: the first trash's live event may still come
  // after the undo, and must neither take the tiles out nor the selection with them.
  await tiles.nth(0).getByRole("checkbox").click();
  await tiles.nth(1).getByRole("checkbox").click();
  await expect(bar.getByText(tr("2개 선택됨", "2 selected"))).toBeVisible();
  await bar.getByRole("button", { name: tr("휴지통으로 이동", "Move to trash") }).click();
  await expect(tiles).toHaveCount(1);

  // The trash: days left on each image, restore one, empty the rest.
  await page.getByRole("navigation", { name: tr("주 메뉴", "Main") }).getByRole("link", { name: tr("휴지통", "Trash") }).click();
  await expect(page).toHaveURL(/\/trash$/);
  const trash = page.getByRole("list", { name: tr("휴지통의 이미지", "Images in the trash") }).getByRole("listitem");
  await expect(trash).toHaveCount(2);
  await expect(trash.first().getByText(tr("30일 후 삭제", "Deleted in 30 days"))).toBeVisible();
  await expectImagesLoaded(trash.locator("img"), 2);
  await shot("trash");

  await trash.nth(0).getByRole("checkbox").click();
  await page.getByRole("region", { name: tr("선택한 이미지", "Selected images") }).getByRole("button", { name: tr("복원", "Restore") }).click();
  await expect(trash).toHaveCount(1);

  await page.getByRole("button", { name: tr("휴지통 비우기", "Empty the trash") }).click();
  const confirm = page.getByRole("dialog", { name: tr("휴지통을 비울까요?", "Empty the trash?") });
  await expect(confirm).toContainText(tr("이미지 1개", "The one image"));
  await expect(confirm).toContainText(/KB|MB/);
  await shot("trash-empty-confirm");
  await confirm.getByRole("button", { name: tr("휴지통 비우기", "Empty the trash") }).click();
  await expect(page.getByRole("heading", { name: tr("휴지통이 비어 있습니다", "The trash is empty") })).toBeVisible();

  await page.getByRole("navigation", { name: tr("주 메뉴", "Main") }).getByRole("link", { name: tr("갤러리", "Gallery") }).click();
  await expect(tiles).toHaveCount(2);
  const usage = await (await page.request.get("/api/v1/images/usage")).json();
  expect(usage.images).toEqual({ active: 2, trash: 0 });
});
