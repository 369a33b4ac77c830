// Every feature's catalogue, merged at start-up. Add a file here, never edit another feature's.
import common from "./common";
import create from "./create";
import errors from "./errors";
import gallery from "./gallery";
import jobs from "./jobs";
import shell from "./shell";

export type Catalogue = { ko: Record<string, string>; en: Record<string, string> };

export const catalogues: Catalogue[] = [common, errors, shell, jobs, create, gallery];
