// GET /api/v1/config: what the client must know (limits, choices, ranges). Read once per session.
import { useQuery } from "@tanstack/react-query";

import { api } from "./client";

export type PlatformConfig = {
  max_upload_bytes: number;
  max_image_pixels: number;
  max_image_side: number;
  aspect_ratios: string[];
  output_formats: string[];
  goods_types: string[];
  safety_tolerance: Record<string, { min: number; max: number; default: number }>;
  prompt_max_length: number;
  product_info_max_length: number;
  job_timeout_seconds: number;
  trash_retention_days: number;
  languages: string[];
  [more: string]: unknown;
};

export function useConfig() {
  return useQuery<PlatformConfig>({
    queryKey: ["config"],
    queryFn: () => api.get<PlatformConfig>("/api/v1/config"),
    staleTime: Infinity,
  });
}
