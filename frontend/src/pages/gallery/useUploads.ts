// Uploads to the gallery, one file at a time: each is checked (and scaled when too big) in the
// browser, then sent with progress. A full storage stops the rest of the batch and opens the
// quota dialog; the list and the usage refresh when a batch is done.
import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useContext, useEffect, useRef, useState } from "react";

import { ApiError } from "../../api/client";
import { errorMessage } from "../../api/errors";
import { IMAGES_KEY, uploadImage, USAGE_KEY } from "../../api/gallery";
import { useToasts } from "../../components/Toast";
import { useI18n, type I18n } from "../../i18n";
import { ImageCheckError, ImageCodecContext, prepareImage, type ImageLimits } from "../../lib/imageFile";

/** The platform keeps gallery pictures up to GALLERY_MAX_SIDE_PX (4,096 by default) on the long
 * side and scales bigger ones itself; the browser only scales what would not fit the upload limit. */
export const GALLERY_MAX_SIDE = 4096;
const DONE_VISIBLE_MS = 4000;

export type UploadStatus = "preparing" | "uploading" | "done" | "failed";
export type UploadItem = {
  key: number;
  name: string;
  status: UploadStatus;
  loaded: number;
  total: number;
  scaled: boolean;
  error: string | null;
};

/** Words for a failed browser-side check, with sizes in KB/MB. */
export function imageCheckMessage(error: ImageCheckError, t: I18n["t"], formatBytes: I18n["formatBytes"]): string {
  const vars = { ...error.vars };
  for (const name of ["size", "max"] as const) {
    if (typeof vars[name] === "number") vars[name] = formatBytes(vars[name] as number);
  }
  return t(error.messageKey, vars);
}

export function useUploads({ limits, onQuotaExceeded }: {
  limits: ImageLimits | null;
  onQuotaExceeded: (error: ApiError) => void;
}) {
  const client = useQueryClient();
  const toasts = useToasts();
  const codec = useContext(ImageCodecContext);
  const { t, language, formatBytes, formatNumber } = useI18n();
  const [items, setItems] = useState<UploadItem[]>([]);
  const nextKey = useRef(1);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const timers = useRef<number[]>([]);
  useEffect(() => () => timers.current.forEach((timer) => window.clearTimeout(timer)), []);

  const update = useCallback((key: number, change: Partial<UploadItem>) => {
    setItems((all) => all.map((item) => (item.key === key ? { ...item, ...change } : item)));
  }, []);
  const dismiss = useCallback((key: number) => setItems((all) => all.filter((item) => item.key !== key)), []);
  const dismissFinished = useCallback(() => setItems((all) => all.filter((item) => item.status !== "done" && item.status !== "failed")), []);

  const add = useCallback((files: File[]) => {
    if (!limits || !files.length) return;
    const batch: UploadItem[] = files.map((file) => ({
      key: nextKey.current++, name: file.name, status: "preparing", loaded: 0, total: file.size, scaled: false, error: null,
    }));
    setItems((all) => [...all, ...batch]);

    const run = async () => {
      let uploaded = 0;
      let quotaError: ApiError | null = null;
      for (const [index, file] of files.entries()) {
        const { key } = batch[index];
        if (quotaError) {
          update(key, { status: "failed", error: errorMessage(quotaError, language) });
          continue;
        }
        try {
          const prepared = await prepareImage(file, limits, codec);
          update(key, { status: "uploading", total: prepared.file.size, scaled: prepared.scaled });
          await uploadImage(prepared.file, ({ loaded, total }) => update(key, { loaded, total }));
          uploaded += 1;
          update(key, { status: "done", loaded: prepared.file.size });
          timers.current.push(window.setTimeout(() => dismiss(key), DONE_VISIBLE_MS));
        } catch (error) {
          const message = error instanceof ImageCheckError
            ? imageCheckMessage(error, t, formatBytes)
            : errorMessage(error as Error, language);
          update(key, { status: "failed", error: message });
          if (error instanceof ApiError && error.code === "storage_quota_exceeded") {
            quotaError = error;
            onQuotaExceeded(error);
          }
        }
      }
      if (uploaded) {
        toasts.push({ message: t("gallery.uploaded", { count: formatNumber(uploaded) }), tone: "success" });
        void client.invalidateQueries({ queryKey: [...IMAGES_KEY, "active"] });
      }
      void client.invalidateQueries({ queryKey: USAGE_KEY });
    };
    queue.current = queue.current.then(run, run);
  }, [limits, codec, update, dismiss, toasts, client, t, language, formatBytes, formatNumber, onQuotaExceeded]);

  return { items, add, dismiss, dismissFinished };
}
