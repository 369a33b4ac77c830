// The product-page wizard → the page view: a sandboxed preview with its images, at desktop and
// phone widths → a downloaded HTML file that shows its images offline, with no script and no network.
import { expect, signIn, test } from "./fixtures";
import { expectAllImagesShown } from "./helpers";

const PRODUCT_INFO = [
  "제주 감귤 100% 착즙 주스, 1L 유리병.",
  "설탕과 물을 넣지 않고 감귤만 짜서 만들었습니다.",
  "개봉 후 냉장 보관하고 5일 안에 드세요.",
  "흔들어서 차갑게 마시면 더 맛있습니다.",
].join("\n");

test("the page wizard makes a page whose preview and offline download show their images", async ({ page, account, browser, shot }) => {
  await signIn(page, account, "/create/page");
  await expect(page.getByRole("heading", { name: "상세페이지 만들기" })).toBeVisible();
  const steps = page.getByRole("navigation", { name: "단계" });
  await expect(steps).toBeVisible();

  await page.getByLabel("제품 이름").fill("제주 감귤 주스");
  await page.getByLabel("제품 정보").fill(PRODUCT_INFO);
  await shot("create-page-info");
  await page.getByRole("button", { name: "다음" }).click();

  await page.getByRole("radio", { name: /Food/ }).check();
  await page.getByRole("button", { name: "다음" }).click();

  // The category's default set is marked; choose it.
  const set = page.getByRole("radio", { name: /Food · standard page/ });
  await set.check();
  await expect(page.getByText("기본", { exact: true })).toBeVisible();
  await page.getByRole("button", { name: "다음" }).click();

  await page.getByRole("switch", { name: "블록 이미지 생성" }).check();
  await shot("create-page-summary");
  await page.getByRole("button", { name: "상세페이지 만들기" }).click();

  // When the job ends the wizard opens the page.
  await expect(page).toHaveURL(/\/pages\/[^/]+$/, { timeout: 60_000 });
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const frame = page.frameLocator("iframe[sandbox]");
  const shown = await expectAllImagesShown(frame.locator("body"));
  await page.getByRole("region", { name: "미리보기" }).scrollIntoViewIfNeeded();
  await shot("page-view");

  await page.getByRole("group", { name: "미리보기 폭" }).getByRole("button", { name: "휴대폰 (390px)" }).click();
  await expect(page.getByRole("button", { name: "휴대폰 (390px)" })).toHaveAttribute("aria-pressed", "true");
  await expectAllImagesShown(page.frameLocator("iframe[sandbox]").locator("body"), shown);
  await shot("page-view-phone-preview");

  // The download: a self-contained file.
  const downloading = page.waitForEvent("download");
  await page.getByRole("button", { name: "HTML 다운로드" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/\.html$/);
  const path = test.info().outputPath(download.suggestedFilename());
  await download.saveAs(path);

  // Opened offline: no JavaScript, every request but the file itself refused.
  const offline = await browser.newContext({ javaScriptEnabled: false, offline: true });
  await offline.route("**/*", (route) =>
    route.request().url().startsWith("file:") ? route.continue() : route.abort("internetdisconnected"));
  const file = await offline.newPage();
  const requests: string[] = [];
  file.on("request", (request) => requests.push(request.url()));
  await file.goto(`file://${path}`);
  const count = await expectAllImagesShown(file.locator("body"), shown);
  const sources = await file.locator("img").evaluateAll((nodes) => nodes.map((node) => (node as HTMLImageElement).currentSrc));
  expect(sources.filter((src) => !src.startsWith("data:"))).toEqual([]);
  expect(requests.filter((url) => !url.startsWith("file:") && !url.startsWith("data:"))).toEqual([]);
  expect(count).toBe(shown);
  await shot("page-download-offline", file);
  await offline.close();
});
