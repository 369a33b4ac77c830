import { describe, expect, it } from "vitest";

import { blockingReasons, queueHasRoom } from "./create";

describe("queueHasRoom", () => {
  it("follows the platform: room while fewer than the limit wait beyond the running ones", () => {
    expect(queueHasRoom({ waiting: 3, running: 1 }, { limit: 3, maxConcurrent: 1 })).toBe(false);
    expect(queueHasRoom({ waiting: 2, running: 1 }, { limit: 3, maxConcurrent: 1 })).toBe(true);
  });

  it("with a queue limit of 0, has room only when a running place is free", () => {
    expect(queueHasRoom({ waiting: 0, running: 1 }, { limit: 0, maxConcurrent: 1 })).toBe(false);
    expect(queueHasRoom({ waiting: 0, running: 0 }, { limit: 0, maxConcurrent: 1 })).toBe(true);
    expect(queueHasRoom({ waiting: 0, running: 1 }, { limit: 0, maxConcurrent: 2 })).toBe(true);
  });
});

describe("blockingReasons", () => {
  it("leaves a full queue and a full storage to the submit's own answers", () => {
    const reasons = blockingReasons({
      ok: false,
      kind: "ppl",
      provider: "local",
      message: "x",
      reasons: [
        { code: "queue_full", message: "full" },
        { code: "storage_quota_exceeded", message: "storage" },
        { code: "workers_down", message: "no workers" },
      ],
    });
    expect(reasons.map((r) => r.code)).toEqual(["workers_down"]);
    expect(blockingReasons({ ok: true, kind: "ppl", provider: "local", message: null, reasons: [] })).toEqual([]);
  });
});
