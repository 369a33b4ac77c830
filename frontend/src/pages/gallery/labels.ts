// Words for an image: its source and a name screen readers and the lightbox title use.
import type { GalleryImage } from "../../api/types";
import { formatBytes, type I18n, type Language } from "../../i18n";

export function sourceLabel(t: I18n["t"], source: GalleryImage["source"]): string {
  return t(`gallery.source.${source}`);
}

export function imageName(t: I18n["t"], image: GalleryImage, formatDateTime: I18n["formatDateTime"]): string {
  return t("gallery.tileName", { source: sourceLabel(t, image.source), date: formatDateTime(image.created_at) });
}

/** Megabytes with one decimal, as the trash confirmations show them ("12.3 MB"); below 0.1 MB, in
 * kilobytes ("36 KB"), not a misleading "0.0 MB". */
export function formatMegabytes(bytes: number, language: Language): string {
  if (bytes > 0 && bytes < 0.1 * 1024 * 1024) return formatBytes(bytes, language);
  const megabytes = bytes / (1024 * 1024);
  return `${megabytes.toLocaleString(language, { minimumFractionDigits: 1, maximumFractionDigits: 1 })} MB`;
}
