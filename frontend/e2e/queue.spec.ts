// The queue, on a platform whose jobs run for two minutes: a 4th waiting job gets the 429 screen and
// goes in by itself once a place frees up; cancel and retry from the job history.
import { apiGoodsJob, apiJobs, expect, pngFile, signIn, test } from "./fixtures";
import { chooseImage } from "./helpers";

test.use({ platformKind: "slow" });

test("a 4th waiting job shows the full queue, and auto-submit sends it once a place frees up", async ({ page, account, shot }) => {
  await signIn(page, account, "/create/goods");
  // One running (MAX_PER_USER_CONCURRENT=1) and three waiting (MAX_PER_USER_QUEUE=3): the first is
  // claimed before the others go in (a 4th waiting job would be refused, which is the next step).
  await apiGoodsJob(page, 1);
  await expect.poll(async () => (await apiJobs(page, "running")).length, { timeout: 20_000 }).toBe(1);
  for (const hue of [2, 3, 4]) await apiGoodsJob(page, hue);
  expect(await apiJobs(page, "queued")).toHaveLength(3);

  await chooseImage(page, "캐릭터 이미지", pngFile("character.png", 512, 512, 5));
  await page.getByRole("radio", { name: /머그/ }).check();
  await page.getByRole("button", { name: "생성하기" }).click();

  // The 429 screen with its figures; the queue drawer opens by itself.
  const full = page.getByRole("region", { name: "대기열이 가득 찼습니다" });
  await expect(full).toBeVisible();
  await expect(full).toContainText("대기 중인 작업 3/3개");
  const drawer = page.getByRole("dialog", { name: "작업 대기열" });
  await expect(drawer).toBeVisible();
  await expect(drawer.getByRole("heading", { name: "진행 중인 작업 (4)" })).toBeVisible();
  // Only the running job has a bar; the three waiting ones say their place in line instead.
  await expect(drawer.getByRole("progressbar")).toHaveCount(1);
  await expect(drawer.getByText(/^대기 \d번째$/)).toHaveCount(3);
  await shot("queue-full-drawer");
  await drawer.getByRole("button", { name: "닫기" }).click();
  await expect(drawer).toBeHidden();

  await full.getByRole("switch", { name: "자리가 나면 자동 제출" }).check();
  await expect(full.getByText("자리가 나면 바로 제출합니다. 이 페이지를 열어 두세요.")).toBeVisible();
  await shot("queue-full-auto-submit");

  // Cancel the last waiting job from the drawer: the form goes in by itself.
  await full.getByRole("button", { name: "대기열 보기" }).click();
  await drawer.getByRole("button", { name: "굿즈 목업 작업 취소" }).last().click();
  await expect(drawer.getByRole("region", { name: "최근 끝난 작업" })).toContainText("취소됨");

  // The form went in by itself: the full-queue screen gives way to the new job's progress.
  await expect(full).toBeHidden({ timeout: 15_000 });
  await drawer.getByRole("button", { name: "닫기" }).click();
  const progress = page.getByRole("region", { name: "진행 상황" });
  await expect(progress).toContainText("대기 중");
  await expect(progress).toContainText("대기 3번째");
  await expect(progress.getByRole("progressbar")).toHaveCount(0);
  await expect.poll(async () => (await apiJobs(page, "queued")).length).toBe(3);
  expect(await apiJobs(page, "canceled")).toHaveLength(1);
  await shot("queue-auto-submitted");
});

test("cancel a running job and run it again from the job history", async ({ page, account, shot }) => {
  await signIn(page, account, "/jobs");
  const first = await apiGoodsJob(page, 7, "poster");
  await expect.poll(async () => (await apiJobs(page, "running")).length, { timeout: 20_000 }).toBe(1);
  await page.reload();

  const rows = page.getByRole("main").getByRole("listitem");
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("실행 중");
  await shot("jobs-running");
  await rows.first().getByRole("button", { name: "굿즈 목업 작업 취소" }).click();
  await expect(page.getByRole("status").getByText("작업을 취소했습니다.")).toBeVisible();
  await expect(rows.first()).toContainText("취소됨");

  await rows.first().getByRole("button", { name: "다시 실행" }).click();
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText(/실행 중|대기 중/);
  await expect(rows.nth(1)).toContainText("취소됨");
  const active = await apiJobs(page, "queued,running");
  expect(active).toHaveLength(1);
  expect(active[0].retried_from).toBe(first.id);
  await shot("jobs-canceled-and-retried");
});
