// "설정 불러오기": /create/<kind>?from=<job id> opens the page with that job's settings and inputs.
// The inputs come back as files (fetched from their URLs, then checked like a fresh upload), or,
// where the endpoint takes them, as gallery image ids.
import { useContext, useEffect, useRef, useState } from "react";
import { useSearchParams } from "react-router";

import { useConfig } from "../../api/config";
import { fetchInputFile, fetchJob } from "../../api/create";
import type { Job, JobInput } from "../../api/jobs";
import { ImageCodecContext, prepareImage, type PreparedImage } from "../../lib/imageFile";
import { imageLimits } from "./parts";

export type FromJobStatus = "none" | "loading" | "loaded" | "partial" | "failed";
export type FromJobInputs = Record<string, PreparedImage>;

export function useFromJob(
  apply: (job: Job, images: FromJobInputs, inputs: JobInput[]) => void,
  { keepImageIds = false }: { keepImageIds?: boolean } = {},
): FromJobStatus {
  const [params] = useSearchParams();
  const from = params.get("from");
  const config = useConfig();
  const codec = useContext(ImageCodecContext);
  const [status, setStatus] = useState<FromJobStatus>(from ? "loading" : "none");
  const applyRef = useRef(apply);
  applyRef.current = apply;
  const limitsRef = useRef(imageLimits(config.data));
  limitsRef.current = imageLimits(config.data);

  useEffect(() => {
    if (!from) {
      setStatus("none");
      return;
    }
    const controller = new AbortController();
    setStatus("loading");
    void (async () => {
      try {
        const job = await fetchJob(from, controller.signal);
        const inputs = job.inputs ?? [];
        const images: FromJobInputs = {};
        let missing = false;
        for (const input of inputs) {
          if (keepImageIds && input.image_id) continue;
          try {
            const file = await fetchInputFile(input, controller.signal);
            images[input.role] = await prepareImage(file, limitsRef.current, codec);
          } catch {
            if (controller.signal.aborted) return;
            missing = true;
          }
        }
        if (controller.signal.aborted) return;
        applyRef.current(job, images, inputs);
        setStatus(missing ? "partial" : "loaded");
      } catch {
        if (!controller.signal.aborted) setStatus("failed");
      }
    })();
    return () => controller.abort();
  }, [from, keepImageIds, codec]);

  return status;
}

/** A job parameter as a string ("" when absent). */
export function paramText(job: Job, name: string): string {
  const value = job.params?.[name];
  return value == null ? "" : String(value);
}

export function paramNumber(job: Job, name: string): number | null {
  const value = job.params?.[name];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
