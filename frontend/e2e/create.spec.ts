// A PPL image and a goods mock-up, from the form to the gallery, and a goods job that waits its turn
// (in Korean and in English).
import { apiGoodsJob, apiJobs, apiPost, expect, pngFile, signIn, test } from "./fixtures";
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

test.describe("a job that waits its turn", () => {
  // Jobs run for two minutes here: the first one is still running while the form's job waits.
  test.use({ platformKind: "slow" });
  // A place in line counts every user's waiting jobs on the platform: leave none ahead of the next
  // flow on it (the queue spec expects its job third in line).
  test.afterEach(async ({ page }) => {
    for (const job of await apiJobs(page, "queued,running")) await apiPost(page, `/api/v1/jobs/${job.id}/cancel`, {});
  });

  test("the create page shows a waiting job's place in line as text, with no progress bar", async ({ page, account, tr, shot }) => {
    await signIn(page, account, "/create/goods");
    await apiGoodsJob(page, 5);
    await expect.poll(async () => (await apiJobs(page, "running")).length, { timeout: 20_000 }).toBe(1);

    await chooseImage(page, tr("캐릭터 이미지", "Character image"), pngFile("character.png", 512, 512, 6));
    await page.getByRole("radio", { name: tr("머그컵", "Mug") }).check();
    await page.getByRole("button", { name: tr("생성하기", "Generate") }).click();

    // MAX_PER_USER_CONCURRENT=1: it waits behind the running one. A bar (even an empty or a moving
    // one) would read as progress; the panel says where it stands instead.
    const progress = page.getByRole("region", { name: tr("진행 상황", "Progress") });
    await expect(progress).toContainText(tr("대기 중", "Waiting"));
    const place = progress.getByText(new RegExp(tr("^대기 \\d+번째$", "^#\\d+ in line$")));
    await expect(place).toBeVisible();
    await expect(progress.getByText(tr("동시 실행 한도: 앞 작업이 끝나면 시작", "Concurrency limit: starts when your earlier job finishes"))).toBeVisible();
    await expect(progress.getByText(new RegExp(tr("^약 (\\d+분 )?\\d+초 남음$", "^about (\\d+ min )?\\d+ s left$")))).toBeVisible();
    await expect(progress.getByRole("progressbar")).toHaveCount(0);
    // The "in the queue" toast closes by itself: the screenshots show the panel, not the toast.
    await expect(page.getByText(tr("작업을 대기열에 넣었습니다.", "The job is in the queue."))).toBeHidden();
    // From the top: a full-page shot taken scrolled down draws the sticky header mid-page.
    await page.evaluate(() => window.scrollTo({ top: 0, behavior: "instant" }));
    await shot("create-goods-waiting");

    await page.setViewportSize({ width: 390, height: 844 });
    await expect(place).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `the page scrolls sideways at 390 px by ${overflow} px`).toBeLessThanOrEqual(0);
    await page.evaluate(() => window.scrollTo({ top: 0, behavior: "instant" }));
    await shot("phone-create-goods-waiting");
  });
});
