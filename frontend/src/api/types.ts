// Names for the generated OpenAPI types (schema.d.ts is generated: `npm run api-types`).
import type { components } from "./schema";

type Schemas = components["schemas"];

export type JobKind = Schemas["KindEnum"];
export type JobStatus = Schemas["JobOutput"]["status"];
export type Job = Schemas["JobOutput"];
export type JobPage = Schemas["JobPage"];
export type GalleryImage = Schemas["GalleryImage"];
export type GalleryImagePage = Schemas["GalleryImagePage"];
export type StorageUsage = Schemas["StorageUsage"];
export type Me = Schemas["Me"];
export type Preflight = Schemas["Output"];
export type ProductPage = Schemas["PageOutput"];
export type TemplateSet = Schemas["TemplateSetOutput"];
export type TemplateListItem = Schemas["TemplateListItem"];
export type Category = Schemas["CategoryOutput"];
export type BulkResult = Schemas["ImageBulkResult"];

export const ACTIVE_STATUSES: JobStatus[] = ["queued", "running"];
export function isActive(status: JobStatus): boolean {
  return status === "queued" || status === "running";
}
