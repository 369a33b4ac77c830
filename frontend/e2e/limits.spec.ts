// The screens for limits: a full storage quota and a job that runs out of time.
import { claimUser } from "./platform.mjs";
import { expect, pngFile, signIn, test } from "./fixtures";
import { chooseImage } from "./helpers";

test.describe("storage quota", () => {
  test("a job over the storage quota shows the quota dialog with the usage and a way to the trash", async ({ page, state, shot }) => {
    // 1 MB of storage, 2 MB used (seeded by the global setup).
    const account = { username: claimUser(state.main.dir, state.main.quotaUsers), password: state.password };
    await signIn(page, account, "/create/goods");
    await chooseImage(page, "캐릭터 이미지", pngFile("character.png", 512, 512, 6));
    await page.getByRole("radio", { name: /머그/ }).check();
    await page.getByRole("button", { name: "생성하기" }).click();

    const dialog = page.getByRole("dialog", { name: "저장 공간이 부족합니다" });
    await expect(dialog).toBeVisible();
    const meter = dialog.getByRole("meter", { name: "저장 공간 사용량" });
    await expect(meter).toHaveAttribute("aria-valuetext", /1 MB 중 .+ 사용 \(100%\)/);
    await expect(dialog).toContainText("휴지통의 이미지도 공간을 차지합니다.");
    await shot("quota-dialog");

    await dialog.getByRole("link", { name: "휴지통으로 가기" }).click();
    await expect(page).toHaveURL(/\/trash$/);
    await expect(dialog).toBeHidden();
    const jobs = await (await page.request.get("/api/v1/jobs")).json();
    expect(jobs.results).toHaveLength(0);
  });
});

test.describe("job timeout", () => {
  test.use({ platformKind: "timeout" });

  test("a job past JOB_TIMEOUT_SECONDS shows the timed-out screen and runs again from it", async ({ page, account, shot }) => {
    await signIn(page, account, "/create/goods");
    await chooseImage(page, "캐릭터 이미지", pngFile("character.png", 512, 512, 8));
    await page.getByRole("radio", { name: /머그/ }).check();
    await page.getByRole("button", { name: "생성하기" }).click();

    const progress = page.getByRole("region", { name: "진행 상황" });
    await expect(progress).toContainText("시간 초과", { timeout: 45_000 });
    await expect(progress).toContainText("이미지 생성 시간이 초과되었습니다");
    await progress.getByRole("link", { name: "작업 상세 보기" }).click();

    const problem = page.getByRole("alert").filter({ has: page.getByRole("heading", { name: "이미지 생성 시간이 초과되었습니다" }) });
    await expect(problem).toBeVisible();
    await expect(problem).toContainText("오류 ID");
    await shot("job-timed-out");
    const timedOutUrl = page.url();

    await problem.getByRole("button", { name: "다시 실행" }).click();
    await expect(page).not.toHaveURL(timedOutUrl);
    await expect(page.getByText("이 작업은 다른 작업을 다시 실행한 것입니다.")).toBeVisible();
  });
});
