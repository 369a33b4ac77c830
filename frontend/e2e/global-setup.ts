// Once per run: build the app if its bundle is stale, migrate a template database, start the
// main platform with a pool of users, and tell the workers where it is (E2E_STATE). The returned
// function is the global teardown: it stops the platform and removes the temp directory.
import type { FullConfig } from "@playwright/test";

import { buildAppIfStale, prepareBase, removeBase, startPlatform, writeState } from "./platform.mjs";
import { ADMIN_USER, EDITOR_USER, MAIN_USERS, PASSWORD, QUOTA_USERS, STAFF_USER } from "./users";

export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  await buildAppIfStale();
  const base = await prepareBase();
  const main = await startPlatform({
    base,
    name: "main",
    password: PASSWORD,
    users: [
      ...MAIN_USERS.map((username) => ({ username })),
      // 1 MB of storage, 2 MB already used: the next job is refused with storage_quota_exceeded.
      ...QUOTA_USERS.map((username) => ({ username, storage_quota_mb: 1, used_bytes: 2_000_000 })),
      { username: ADMIN_USER, is_superuser: true },
      { username: STAFF_USER, is_staff: true, groups: ["operators"] },
      { username: EDITOR_USER, is_staff: true, groups: ["content managers"] },
    ],
  }).catch((error: unknown) => {
    if (!process.env.E2E_KEEP) removeBase(base);
    throw error;
  });
  process.env.E2E_STATE = writeState({
    base,
    password: PASSWORD,
    main: { baseURL: main.baseURL, dir: main.dir, users: MAIN_USERS, quotaUsers: QUOTA_USERS },
  });
  return async () => {
    await main.stop();
    if (!process.env.E2E_KEEP) removeBase(base);
  };
}
