import { ApiError } from "./client";

describe("ApiError.fieldErrors", () => {
  it("reads a field's messages whether flat, a single string or nested per item", () => {
    const error = new ApiError(400, {
      code: "invalid",
      message: "Invalid input.",
      fields: { prompt: ["Too long."], seed: "Not a number.", ids: { "0": ["Must be a valid UUID."] } },
    }, null, null);
    expect(error.fieldErrors("prompt")).toEqual(["Too long."]);
    expect(error.fieldErrors("seed")).toEqual(["Not a number."]);
    expect(error.fieldErrors("ids")).toEqual(["Must be a valid UUID."]);
    expect(error.fieldErrors("other")).toEqual([]);
  });

  it("keeps Retry-After as seconds", () => {
    expect(new ApiError(429, { code: "throttled", message: "" }, "req-1", "12").retryAfterSeconds).toBe(12);
  });
});
