// A PPL image and a goods mock-up, from the form to the gallery (in Korean and in English).
import { expect, pngFile, signIn, test } from "./fixtures";
import { chooseImage, expectImagesLoaded } from "./helpers";

test("a PPL image from the form to the gallery", async ({ page, account, tr, shot }) => {
  await signIn(page, account, "/create/ppl");
  await expect(page.getByRole("heading", { name: tr("PPL 이미지 만들기", "Make a PPL image") })).toBeVisible();
  await chooseImage(page, tr("장면 이미지", "Scene image"), pngFile("scene.png", 1024, 768, 1));
  await chooseImage(page, tr("제품 이미지", "Product image"), pngFile("product.png", 400, 600, 2));
  await page.getByLabel(tr("프롬프트", "Prompt")).fill("Put the bottle on the wooden table");
  await shot("create-ppl-form");
  await page.getByRole("button", { name: tr("생성하기", "Generate") }).click();

  const result = page.getByRole("img", { name: tr("생성된 이미지 1", "Generated image 1") });
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expectImagesLoaded(result);
  await shot("create-ppl-result");

  await page.getByRole("link", { name: tr("갤러리에서 보기", "See it in the gallery") }).click();
  await expect(page).toHaveURL(/\/gallery/);
  const tiles = page.getByRole("list", { name: tr("갤러리 이미지", "Gallery images") }).getByRole("listitem");
  await expect(tiles).toHaveCount(1);
  await expect(tiles.first().getByRole("button", {
    name: new RegExp(`^${tr("PPL 이미지", "PPL image")}, .*Put the bottle on the wooden table`),
  })).toBeVisible();
  await expectImagesLoaded(tiles.locator("img"));
  await shot("gallery-after-ppl");
});

test("a goods mock-up on a mug from the form to the gallery", async ({ page, account, tr, shot }) => {
  await signIn(page, account, "/create/goods");
  await expect(page.getByRole("heading", { name: tr("굿즈 목업 만들기", "Make a goods mock-up") })).toBeVisible();
  await chooseImage(page, tr("캐릭터 이미지", "Character image"), pngFile("character.png", 512, 512, 3));
  const mug = page.getByRole("radio", { name: tr("머그컵", "Mug") });
  await mug.check();
  await expect(mug).toBeChecked();
  await shot("create-goods-form");
  await page.getByRole("button", { name: tr("생성하기", "Generate") }).click();

  const result = page.getByRole("img", { name: tr("생성된 이미지 1", "Generated image 1") });
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expectImagesLoaded(result);
  await shot("create-goods-result");

  await page.getByRole("link", { name: tr("갤러리에서 보기", "See it in the gallery") }).click();
  const tiles = page.getByRole("list", { name: tr("갤러리 이미지", "Gallery images") }).getByRole("listitem");
  await expect(tiles).toHaveCount(1);
  await expect(tiles.first().getByRole("button", { name: new RegExp(`^${tr("굿즈 이미지", "Goods image")}, `) })).toBeVisible();
  await expectImagesLoaded(tiles.locator("img"));
});
