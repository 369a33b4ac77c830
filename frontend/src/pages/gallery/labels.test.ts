import { formatMegabytes } from "./labels";

describe("sizes in the trash confirmations", () => {
  test("megabytes with one decimal", () => {
    expect(formatMegabytes(9 * 1024 * 1024, "ko")).toBe("9.0 MB");
    expect(formatMegabytes(1536 * 1024, "en")).toBe("1.5 MB");
    expect(formatMegabytes(0, "ko")).toBe("0.0 MB");
  });

  test("kilobytes below a tenth of a megabyte instead of 0.0 MB", () => {
    expect(formatMegabytes(36 * 1024, "ko")).toBe("36 KB");
  });
});
