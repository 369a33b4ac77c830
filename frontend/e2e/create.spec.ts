// A PPL image and a goods mock-up, from the form to the gallery.
import { expect, pngFile, signIn, test } from "./fixtures";
import { chooseImage, expectImagesLoaded } from "./helpers";

test("a PPL image from the form to the gallery", async ({ page, account, shot }) => {
  await signIn(page, account, "/create/ppl");
  await expect(page.getByRole("heading", { name: "PPL 이미지 만들기" })).toBeVisible();
  await chooseImage(page, "장면 이미지", pngFile("scene.png", 1024, 768, 1));
  await chooseImage(page, "제품 이미지", pngFile("product.png", 400, 600, 2));
  await page.getByLabel("프롬프트").fill("Put the bottle on the wooden table");
  await page.getByRole("button", { name: "생성하기" }).click();

  const result = page.getByRole("img", { name: /생성된 이미지 1|결과 이미지 1/ });
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expectImagesLoaded(result);
  await shot("create-ppl-result");

  await page.getByRole("link", { name: "갤러리에서 보기" }).click();
  await expect(page).toHaveURL(/\/gallery/);
  const tiles = page.getByRole("list", { name: "갤러리 이미지" }).getByRole("listitem");
  await expect(tiles).toHaveCount(1);
  await expect(tiles.first().getByRole("button", { name: /^PPL 이미지, .*Put the bottle on the wooden table/ })).toBeVisible();
  await expectImagesLoaded(tiles.locator("img"));
  await shot("gallery-after-ppl");
});

test("a goods mock-up on a mug from the form to the gallery", async ({ page, account, shot }) => {
  await signIn(page, account, "/create/goods");
  await expect(page.getByRole("heading", { name: "굿즈 목업 만들기" })).toBeVisible();
  await chooseImage(page, "캐릭터 이미지", pngFile("character.png", 512, 512, 3));
  const mug = page.getByRole("radio", { name: /머그/ });
  await mug.check();
  await expect(mug).toBeChecked();
  await shot("create-goods-form");
  await page.getByRole("button", { name: "생성하기" }).click();

  const result = page.getByRole("img", { name: /생성된 이미지 1|결과 이미지 1/ });
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expectImagesLoaded(result);
  await shot("create-goods-result");

  await page.getByRole("link", { name: "갤러리에서 보기" }).click();
  const tiles = page.getByRole("list", { name: "갤러리 이미지" }).getByRole("listitem");
  await expect(tiles).toHaveCount(1);
  await expect(tiles.first().getByRole("button", { name: /^굿즈 이미지, / })).toBeVisible();
  await expectImagesLoaded(tiles.locator("img"));
});
