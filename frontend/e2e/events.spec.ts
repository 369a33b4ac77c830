// The live event stream (GET /api/v1/events) in the browser, on a phone: a job's progress and
// result reach its page and the queue drawer from the stream, with polling slowed to a safety net;
// and after the browser goes offline and online again, the stream picks up where it left off.
import type { Page, Request } from "@playwright/test";

import { apiGoodsJob, apiJobs, expect, signIn, test } from "./fixtures";

test.use({ viewport: { width: 390, height: 844 } });

/** Open the queue drawer from the header badge; answers the drawer. */
async function openDrawer(page: Page, tr: (ko: string, en: string) => string) {
  await page.getByRole("button", { name: tr("작업 대기열", "Job queue") }).click();
  const drawer = page.getByRole("dialog", { name: tr("작업 대기열", "Job queue") });
  await expect(drawer).toBeVisible();
  return drawer;
}

const path = (request: Request) => new URL(request.url()).pathname;

test("a job's progress and result arrive over the stream, on its page and in the queue drawer", async ({ page, account, tr, shot }) => {
  await signIn(page, account, "/jobs");
  let drawer = await openDrawer(page, tr);
  await expect(drawer.getByText(tr("실시간", "Live"), { exact: true })).toBeVisible();

  // Three jobs: one runs (MAX_PER_USER_CONCURRENT=1), the last waits behind the other two.
  const jobs = [];
  for (const hue of [1, 2, 3]) jobs.push(await apiGoodsJob(page, hue));
  const last = jobs[2];
  const rows = drawer.getByRole("region", { name: tr("진행 중인 작업 (3)", "Active jobs (3)") }).getByRole("listitem");
  await expect(drawer.getByRole("heading", { name: tr("진행 중인 작업 (3)", "Active jobs (3)") })).toBeVisible();
  await shot("phone-events-drawer-live");

  // From now on, every fetch of the last job's JSON is counted: the stream must make them unneeded.
  const detailFetches: string[] = [];
  page.on("request", (request) => {
    if (path(request) === `/api/v1/jobs/${last.id}`) detailFetches.push(request.url());
  });
  await rows.nth(2).getByRole("link", { name: tr("굿즈 목업", "Goods mock-up") }).click();
  await expect(page).toHaveURL(new RegExp(`/jobs/${last.id}$`));
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await shot("phone-events-job-waiting");

  // It waits, runs and succeeds (a few seconds): the result shows without a reload.
  const result = page.getByRole("img", { name: tr("결과 이미지 1", "Result image 1") });
  await expect(result).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1 }).locator("..").getByText(tr("완료", "Done"), { exact: true })).toBeVisible();
  await shot("phone-events-job-done");
  // Polling would have fetched it every 1–2 s while it waited and ran; the page asked for it once,
  // when it opened, and the stream told it the rest.
  expect(detailFetches, detailFetches.join("\n")).toHaveLength(1);

  drawer = await openDrawer(page, tr);
  await expect(drawer.getByText(tr("대기 중이거나 실행 중인 작업이 없습니다.", "No job is waiting or running."))).toBeVisible();
  await expect(drawer.getByRole("region", { name: tr("최근 끝난 작업", "Recently finished") }).getByRole("listitem")).toHaveCount(3);
  await shot("phone-events-drawer-done");
});

test("after the browser goes offline and online, the stream resumes from the last event it saw", async ({ page, context, account, tr, shot }) => {
  await signIn(page, account, "/jobs");
  const drawer = await openDrawer(page, tr);
  const live = drawer.getByText(tr("실시간", "Live"), { exact: true });
  await expect(live).toBeVisible();

  // One job seen through to the end, so the stream has an event id to resume from.
  await apiGoodsJob(page, 4);
  const recent = drawer.getByRole("region", { name: tr("최근 끝난 작업", "Recently finished") }).getByRole("listitem");
  await expect(recent).toHaveCount(1, { timeout: 30_000 });
  await expect(recent.first()).toContainText(tr("완료", "Done"));

  const resumed: { url: string; lastEventId: string | undefined }[] = [];
  page.on("request", async (request) => {
    if (path(request) !== "/api/v1/events") return;
    const headers = await request.allHeaders();
    resumed.push({ url: request.url(), lastEventId: headers["last-event-id"] });
  });

  await context.setOffline(true);
  await expect(drawer.getByText(tr("새로고침 중", "Polling"), { exact: true })).toBeVisible({ timeout: 20_000 });
  await shot("phone-events-offline");
  // Meanwhile a job is made and finishes (the API call comes from the test, not the browser).
  await apiGoodsJob(page, 5);
  await expect.poll(async () => (await apiJobs(page, "succeeded")).length, { timeout: 30_000 }).toBe(2);

  await context.setOffline(false);
  await expect(live).toBeVisible({ timeout: 20_000 });
  await expect(recent).toHaveCount(2, { timeout: 20_000 });
  // The stream came back from the last id it had: by the browser's Last-Event-ID or ?last_event_id=.
  expect(resumed.some((r) => r.lastEventId || new URL(r.url).searchParams.get("last_event_id")), JSON.stringify(resumed)).toBe(true);
  await shot("phone-events-back-online");
});
