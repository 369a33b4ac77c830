// Checking and scaling an image in the browser before it is uploaded: the type is read from the
// file's first bytes (a renamed .txt is not a PNG), the size and pixel count are held to the
// platform's limits (GET /api/v1/config), and anything longer than 1,024 px on its long side is
// scaled down, which is what the platform would do anyway, only after a slower upload. PNG stays
// PNG where it has transparency; everything else becomes JPEG at 0.92.
//
// Decoding and drawing need a canvas, which jsdom lacks, so they sit behind ImageCodec; the
// decisions (planImage) are plain functions that tests exercise directly.
import { createContext } from "react";

export type ImageLimits = { maxBytes: number; maxPixels: number; maxSide?: number };
export type PreparedImage = { file: File; width: number; height: number; scaled: boolean };
export type ImageCheckCode = "unsupported_type" | "too_large" | "too_many_pixels" | "unreadable";
export type ImageType = "image/png" | "image/jpeg" | "image/webp";

export const ACCEPTED_IMAGE_TYPES: ImageType[] = ["image/png", "image/jpeg", "image/webp"];
/** For <input accept> and DropZone. */
export const IMAGE_ACCEPT = ACCEPTED_IMAGE_TYPES.join(",");
export const DEFAULT_MAX_SIDE = 1024;
export const JPEG_QUALITY = 0.92;
// A file this many times over the upload limit is refused before decoding: scaling would
// probably bring it under the limit, but decoding a 100 MB file can freeze a phone.
const DECODE_CEILING_FACTOR = 4;

/** A failed check; `messageKey` and `vars` are for t() (catalogue: i18n/messages/create.ts). */
export class ImageCheckError extends Error {
  readonly code: ImageCheckCode;
  readonly messageKey: string;
  readonly vars: Record<string, string | number>;

  constructor(code: ImageCheckCode, vars: Record<string, string | number> = {}) {
    super(code);
    this.name = "ImageCheckError";
    this.code = code;
    this.messageKey = `image.error.${code}`;
    this.vars = vars;
  }
}

/** A decoded image: its size, whether any pixel is see-through, and a way to re-encode it. */
export type DecodedImage = {
  width: number;
  height: number;
  hasAlpha: () => boolean | Promise<boolean>;
  encode: (width: number, height: number, type: "image/png" | "image/jpeg", quality?: number) => Promise<Blob>;
  close?: () => void;
};
export type ImageCodec = { decode: (file: Blob) => Promise<DecodedImage> };

async function readHead(blob: Blob, length: number): Promise<Uint8Array> {
  const part = blob.slice(0, length);
  if (typeof part.arrayBuffer === "function") return new Uint8Array(await part.arrayBuffer());
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(part);
  });
}

/** The type the bytes say, whatever the name or the browser claim. */
export async function sniffImageType(blob: Blob): Promise<ImageType | null> {
  const b = await readHead(blob, 12);
  if (b.length >= 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return "image/png";
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "image/jpeg";
  const ascii = (from: number, to: number) => String.fromCharCode(...b.slice(from, to));
  if (b.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  return null;
}

export type ImagePlan =
  | { action: "keep" }
  | { action: "scale"; width: number; height: number; type: "image/png" | "image/jpeg"; quality?: number };

/** Width and height that fit `maxSide` on the long side, keeping the aspect ratio. */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const long = Math.max(width, height);
  if (long <= maxSide) return { width, height };
  const ratio = maxSide / long;
  return { width: Math.max(1, Math.round(width * ratio)), height: Math.max(1, Math.round(height * ratio)) };
}

/**
 * What to do with an image of this type, byte size and pixel size (throws ImageCheckError when it
 * cannot be used). `hasAlpha` is only asked when a PNG or WebP has to be re-encoded.
 */
export async function planImage(
  image: { type: ImageType; size: number; width: number; height: number; hasAlpha: () => boolean | Promise<boolean> },
  limits: ImageLimits,
): Promise<ImagePlan> {
  const maxSide = limits.maxSide ?? DEFAULT_MAX_SIDE;
  if (image.width < 1 || image.height < 1) throw new ImageCheckError("unreadable");
  if (image.width * image.height > limits.maxPixels) {
    throw new ImageCheckError("too_many_pixels", {
      width: image.width,
      height: image.height,
      megapixels: Math.round(limits.maxPixels / 1_000_000),
    });
  }
  const fits = Math.max(image.width, image.height) <= maxSide;
  if (fits && image.size <= limits.maxBytes) return { action: "keep" };
  // Too big in bytes but not in pixels (a heavy PNG photo): re-encode at the same size.
  const target = fitWithin(image.width, image.height, maxSide);
  const keepsAlpha = image.type !== "image/jpeg" && (await image.hasAlpha());
  return keepsAlpha
    ? { action: "scale", ...target, type: "image/png" }
    : { action: "scale", ...target, type: "image/jpeg", quality: JPEG_QUALITY };
}

function renamed(name: string, type: "image/png" | "image/jpeg"): string {
  const base = name.replace(/\.[^./\\]+$/, "") || "image";
  return `${base}.${type === "image/png" ? "png" : "jpg"}`;
}

/**
 * Check `file` and scale it to `maxSide` (1,024 px) on the long side. Resolves with the file to
 * upload (the original when nothing had to change); rejects with ImageCheckError.
 */
export async function prepareImage(
  file: File,
  limits: ImageLimits,
  codec: ImageCodec = browserImageCodec,
): Promise<PreparedImage> {
  const type = await sniffImageType(file).catch(() => null);
  if (!type) throw new ImageCheckError("unsupported_type", { name: file.name });
  if (file.size > limits.maxBytes * DECODE_CEILING_FACTOR) {
    throw new ImageCheckError("too_large", { size: file.size, max: limits.maxBytes });
  }
  let decoded: DecodedImage;
  try {
    decoded = await codec.decode(file);
  } catch {
    throw new ImageCheckError("unreadable", { name: file.name });
  }
  try {
    const plan = await planImage({ type, size: file.size, width: decoded.width, height: decoded.height, hasAlpha: decoded.hasAlpha }, limits);
    if (plan.action === "keep") {
      return { file, width: decoded.width, height: decoded.height, scaled: false };
    }
    let blob: Blob;
    try {
      blob = await decoded.encode(plan.width, plan.height, plan.type, plan.quality);
    } catch {
      throw new ImageCheckError("unreadable", { name: file.name });
    }
    if (blob.size > limits.maxBytes) throw new ImageCheckError("too_large", { size: file.size, max: limits.maxBytes });
    const scaled = new File([blob], renamed(file.name, plan.type), { type: plan.type, lastModified: file.lastModified });
    return { file: scaled, width: plan.width, height: plan.height, scaled: true };
  } finally {
    decoded.close?.();
  }
}

// --- the browser's codec: createImageBitmap (or <img>) to decode, a canvas to draw ------------

type Drawable = CanvasImageSource & { width: number; height: number };

function makeCanvas(width: number, height: number): HTMLCanvasElement | OffscreenCanvas {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function canvasToBlob(canvas: HTMLCanvasElement | OffscreenCanvas, type: string, quality?: number): Promise<Blob> {
  if ("convertToBlob" in canvas) return canvas.convertToBlob({ type, quality });
  return new Promise((resolve, reject) =>
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode failed"))), type, quality),
  );
}

async function decodeToDrawable(file: Blob): Promise<{ source: Drawable; close: () => void }> {
  if (typeof createImageBitmap === "function") {
    const bitmap = await createImageBitmap(file);
    return { source: bitmap, close: () => bitmap.close() };
  }
  const url = URL.createObjectURL(file);
  const img = new Image();
  img.decoding = "async";
  img.src = url;
  try {
    await img.decode();
  } finally {
    URL.revokeObjectURL(url);
  }
  return { source: Object.assign(img, { width: img.naturalWidth, height: img.naturalHeight }), close: () => {} };
}

export const browserImageCodec: ImageCodec = {
  async decode(file) {
    const { source, close } = await decodeToDrawable(file);
    const { width, height } = source;
    return {
      width,
      height,
      hasAlpha() {
        // Look at a small copy: transparency that vanishes at 256 px does not matter for a photo.
        const probe = fitWithin(width, height, 256);
        const canvas = makeCanvas(probe.width, probe.height);
        const context = canvas.getContext("2d") as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
        if (!context) return true; // cannot tell: keep PNG, which loses nothing
        context.drawImage(source, 0, 0, probe.width, probe.height);
        const data = context.getImageData(0, 0, probe.width, probe.height).data;
        for (let i = 3; i < data.length; i += 4) if (data[i] < 255) return true;
        return false;
      },
      async encode(targetWidth, targetHeight, type, quality) {
        const canvas = makeCanvas(targetWidth, targetHeight);
        const context = canvas.getContext("2d") as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
        if (!context) throw new Error("no canvas");
        context.imageSmoothingEnabled = true;
        context.imageSmoothingQuality = "high";
        if (type === "image/jpeg") {
          context.fillStyle = "#fff"; // JPEG has no alpha: transparent edges become white, not black
          context.fillRect(0, 0, targetWidth, targetHeight);
        }
        context.drawImage(source, 0, 0, targetWidth, targetHeight);
        return canvasToBlob(canvas, type, quality);
      },
      close,
    };
  },
};

/** Lets a page (and its tests) choose the codec; the browser's by default. */
export const ImageCodecContext = createContext<ImageCodec>(browserImageCodec);
