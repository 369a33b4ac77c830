// Types of platform.mjs (plain JavaScript so `npm run budget` can run it with Node alone).

export type Log = (message: string) => void;

export type Base = { root: string; template: string; staticRoot: string };

export type SeedUser = {
  username: string;
  storage_quota_mb?: number;
  used_bytes?: number;
  /** Admin accounts: staff, superuser, group names, permissions as "app_label.codename". */
  is_staff?: boolean;
  is_superuser?: boolean;
  groups?: string[];
  permissions?: string[];
};

export type Platform = {
  name: string;
  baseURL: string;
  dir: string;
  env: Record<string, string>;
  seed: (command: "users" | "images", args: Record<string, unknown>) => Promise<Record<string, unknown>>;
  stop: () => Promise<void>;
};

export const FRONTEND_DIR: string;
export const REPO_DIR: string;
export function freePort(): Promise<number>;
export function buildAppIfStale(log?: Log): Promise<boolean>;
export function prepareBase(options?: { log?: Log }): Promise<Base>;
export function startPlatform(options: {
  base: Base;
  name: string;
  env?: Record<string, string>;
  users?: SeedUser[];
  password?: string;
  log?: Log;
}): Promise<Platform>;
export function removeBase(base: Base): void;

export type RunState = {
  base: Base;
  password: string;
  main: { baseURL: string; dir: string; users: string[]; quotaUsers: string[] };
};
export function writeState(state: RunState): string;
export function readState(path: string): RunState;
export function claimUser(dir: string, usernames: string[]): string;
/** A decodable PNG (a Node Buffer at run time). */
export function pngImage(width: number, height: number, hue?: number): Uint8Array;
