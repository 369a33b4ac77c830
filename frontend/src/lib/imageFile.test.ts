import { describe, expect, it } from "vitest";

import { fitWithin, ImageCheckError, planImage, prepareImage, sniffImageType, type ImageCodec } from "./imageFile";

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d];
const JPEG = [0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1];
const WEBP = [...new TextEncoder().encode("RIFF"), 0, 0, 0, 0, ...new TextEncoder().encode("WEBP")];

function fileOf(head: number[], { size = 1000, name = "photo.png", type = "image/png" } = {}): File {
  const bytes = new Uint8Array(Math.max(size, head.length));
  bytes.set(head);
  return new File([bytes], name, { type });
}

/** A codec that "decodes" to the given size and records what it was asked to encode. */
function fakeCodec({ width, height, alpha = false, encodedBytes = 50_000 }: { width: number; height: number; alpha?: boolean; encodedBytes?: number }) {
  const calls: { width: number; height: number; type: string; quality?: number }[] = [];
  const codec: ImageCodec = {
    decode: async () => ({
      width,
      height,
      hasAlpha: () => alpha,
      encode: async (w, h, type, quality) => {
        calls.push({ width: w, height: h, type, quality });
        return new Blob([new Uint8Array(encodedBytes)], { type });
      },
    }),
  };
  return { codec, calls };
}

const limits = { maxBytes: 5 * 1024 * 1024, maxPixels: 40_000_000 };

describe("sniffImageType", () => {
  it("reads the type from the bytes, not the name", async () => {
    expect(await sniffImageType(fileOf(PNG, { name: "x.jpg", type: "image/jpeg" }))).toBe("image/png");
    expect(await sniffImageType(fileOf(JPEG))).toBe("image/jpeg");
    expect(await sniffImageType(fileOf(WEBP))).toBe("image/webp");
    expect(await sniffImageType(new File(["GIF89a and more"], "a.gif"))).toBeNull();
  });
});

describe("prepareImage", () => {
  it("refuses a file that is not a PNG, JPEG or WebP", async () => {
    const file = new File(["just some text, not an image"], "notes.png", { type: "image/png" });
    await expect(prepareImage(file, limits, fakeCodec({ width: 10, height: 10 }).codec)).rejects.toMatchObject({
      code: "unsupported_type",
      messageKey: "image.error.unsupported_type",
    });
  });

  it("refuses a file far over the size limit without decoding it", async () => {
    let decoded = false;
    const codec: ImageCodec = { decode: async () => { decoded = true; throw new Error("should not decode"); } };
    const file = fileOf(JPEG, { size: limits.maxBytes * 4 + 1, name: "huge.jpg", type: "image/jpeg" });
    const error = await prepareImage(file, limits, codec).catch((e) => e);
    expect(error).toBeInstanceOf(ImageCheckError);
    expect(error.code).toBe("too_large");
    expect(decoded).toBe(false);
  });

  it("refuses an image with more pixels than the platform accepts", async () => {
    const { codec } = fakeCodec({ width: 10_000, height: 5_000 });
    await expect(prepareImage(fileOf(PNG), limits, codec)).rejects.toMatchObject({
      code: "too_many_pixels",
      vars: { width: 10_000, height: 5_000, megapixels: 40 },
    });
  });

  it("says unreadable when the bytes look right but do not decode", async () => {
    const codec: ImageCodec = { decode: async () => { throw new Error("broken"); } };
    await expect(prepareImage(fileOf(PNG), limits, codec)).rejects.toMatchObject({ code: "unreadable" });
  });

  it("keeps a small image as it is", async () => {
    const { codec, calls } = fakeCodec({ width: 800, height: 600 });
    const file = fileOf(JPEG, { name: "small.jpg", type: "image/jpeg" });
    const prepared = await prepareImage(file, limits, codec);
    expect(prepared).toEqual({ file, width: 800, height: 600, scaled: false });
    expect(calls).toEqual([]);
  });

  it("scales an opaque PNG to 1024 px on the long side as JPEG 0.92", async () => {
    const { codec, calls } = fakeCodec({ width: 3000, height: 2000, alpha: false });
    const prepared = await prepareImage(fileOf(PNG, { name: "scene.png" }), limits, codec);
    expect(calls).toEqual([{ width: 1024, height: 683, type: "image/jpeg", quality: 0.92 }]);
    expect(prepared).toMatchObject({ width: 1024, height: 683, scaled: true });
    expect(prepared.file.name).toBe("scene.jpg");
    expect(prepared.file.type).toBe("image/jpeg");
  });

  it("keeps PNG when the image has transparency", async () => {
    const { codec, calls } = fakeCodec({ width: 1200, height: 2400, alpha: true });
    const prepared = await prepareImage(fileOf(PNG, { name: "character.png" }), limits, codec);
    expect(calls).toEqual([{ width: 512, height: 1024, type: "image/png", quality: undefined }]);
    expect(prepared.file.name).toBe("character.png");
    expect(prepared.file.type).toBe("image/png");
  });

  it("re-encodes a heavy file even when its pixels already fit", async () => {
    const { codec, calls } = fakeCodec({ width: 1000, height: 1000, alpha: false, encodedBytes: 300_000 });
    const file = fileOf(PNG, { size: limits.maxBytes + 1 });
    const prepared = await prepareImage(file, limits, codec);
    expect(calls).toEqual([{ width: 1000, height: 1000, type: "image/jpeg", quality: 0.92 }]);
    expect(prepared.file.size).toBe(300_000);
  });

  it("refuses an image that is still too large after scaling", async () => {
    const { codec } = fakeCodec({ width: 4000, height: 4000, encodedBytes: limits.maxBytes + 10 });
    await expect(prepareImage(fileOf(PNG, { size: limits.maxBytes * 2 }), limits, codec)).rejects.toMatchObject({ code: "too_large" });
  });

  it("follows a custom long side", async () => {
    const { codec, calls } = fakeCodec({ width: 4000, height: 1000 });
    await prepareImage(fileOf(JPEG, { type: "image/jpeg" }), { ...limits, maxSide: 2048 }, codec);
    expect(calls[0]).toMatchObject({ width: 2048, height: 512 });
  });
});

describe("planImage", () => {
  it("never asks a JPEG whether it has transparency", async () => {
    let asked = false;
    const plan = await planImage(
      { type: "image/jpeg", size: 10, width: 2048, height: 2048, hasAlpha: () => { asked = true; return true; } },
      limits,
    );
    expect(plan).toEqual({ action: "scale", width: 1024, height: 1024, type: "image/jpeg", quality: 0.92 });
    expect(asked).toBe(false);
  });

  it("fits within the long side keeping the ratio", () => {
    expect(fitWithin(1024, 10, 1024)).toEqual({ width: 1024, height: 10 });
    expect(fitWithin(5000, 3, 1024)).toEqual({ width: 1024, height: 1 });
  });
});
