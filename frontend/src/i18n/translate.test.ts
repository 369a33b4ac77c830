import { translate } from "./index";

describe("translate", () => {
  it("picks the English plural branch for the number and puts the number in place of #", () => {
    expect(translate("en", "gallery.confirmTrash.title", { count: 1 })).toBe("Move 1 image to the trash?");
    expect(translate("en", "gallery.confirmTrash.title", { count: 1200 })).toBe("Move 1,200 images to the trash?");
  });

  it("fills plain placeholders and leaves unknown ones visible", () => {
    expect(translate("en", "trash.purged", { count: 2, size: "3 MB" })).toBe("Deleted 2 images (3 MB) for good.");
    expect(translate("en", "trash.purged", { count: 2 })).toBe("Deleted 2 images ({size}) for good.");
  });

  it("falls back to English, then to the key itself", () => {
    expect(translate("ko", "no.such.key")).toBe("no.such.key");
  });
});
