// An edit from a Korean prompt: the job shows the prompt the model got (the offline LLM sends a
// Korean prompt as written and says so), before/after on the result, and the same on the job page.
import { apiUpload, expect, signIn, test } from "./fixtures";
import { expectImagesLoaded } from "./helpers";

const PROMPT = "배경을 노을 지는 해변으로 바꿔 주세요";

test("an edit from a Korean prompt shows the translation the model got", async ({ page, account, shot }) => {
  await signIn(page, account, "/create/edit");
  await apiUpload(page, "source.png", 4);
  await page.reload();
  await expect(page.getByRole("heading", { name: "이미지 편집" })).toBeVisible();

  await page.getByRole("group", { name: "원본 이미지" }).getByRole("radio", { name: "갤러리" }).check();
  await page.getByRole("button", { name: "갤러리에서 고르기" }).click();
  const picker = page.getByRole("dialog", { name: "갤러리에서 이미지 고르기" });
  await picker.getByRole("button", { name: /에 만든 이미지 \(480×360\)/ }).click();
  await expect(picker).toBeHidden();
  await expectImagesLoaded(page.getByRole("img", { name: "원본 이미지 미리보기" }));

  await page.getByLabel("프롬프트").fill(PROMPT);
  await page.getByRole("button", { name: "생성하기" }).click();

  await expect(page.getByText(`모델이 받은 프롬프트: ${PROMPT}`)).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("번역 없이 그대로 보냈습니다.")).toBeVisible();
  const slider = page.getByRole("slider", { name: "편집 전후 경계 위치" });
  await expect(slider).toBeVisible({ timeout: 30_000 });
  await slider.focus();
  await page.keyboard.press("ArrowLeft");
  await expect(slider).toHaveAttribute("aria-valuetext", /편집 후 \d+% 표시/);
  await shot("create-edit-result");

  await page.getByRole("link", { name: "작업 상세 보기" }).click();
  const translation = page.getByRole("region", { name: "프롬프트 번역" });
  await expect(translation).toContainText(PROMPT);
  await expect(translation).toContainText("번역하지 않고 쓴 그대로 보냈습니다.");
  await shot("job-edit-translation");
});
