import { trashDaysLeft, trashPurgeAt } from "./retention";

const now = Date.parse("2026-12-02T12:00:00Z");

describe("days left in the trash", () => {
  test("an image deleted just now has the whole retention period left", () => {
    expect(trashDaysLeft("2026-12-02T11:59:00Z", 30, now)).toBe(30);
  });

  test("each whole day since the deletion takes one day off", () => {
    expect(trashDaysLeft("2026-12-01T11:00:00Z", 30, now)).toBe(29);
    expect(trashDaysLeft("2026-11-25T12:00:00Z", 30, now)).toBe(23);
  });

  test("a day that has begun still counts as left", () => {
    // 26.5 days ago with 30 days of retention: purged in 3.5 days, shown as 4.
    expect(trashDaysLeft("2026-11-06T00:00:00Z", 30, now)).toBe(4);
  });

  test("never goes below zero when the purge is overdue", () => {
    expect(trashDaysLeft("2026-10-01T00:00:00Z", 30, now)).toBe(0);
  });

  test("a missing date counts as just deleted", () => {
    expect(trashDaysLeft(null, 7, now)).toBe(7);
  });

  test("the purge date is the deletion plus the retention period", () => {
    expect(trashPurgeAt("2026-12-01T00:00:00Z", 3)).toBe("2026-12-04T00:00:00.000Z");
  });
});
