// The test accounts. Each test takes a user of its own from a pool (see claimUser), so jobs,
// queues and galleries of one flow never show up in another.

export const PASSWORD = "e2e-Studio-pass-7421";
const pool = (prefix: string, size: number) => Array.from({ length: size }, (_, i) => `${prefix}${i + 1}`);

export const MAIN_USERS = pool("marketer", 40);
export const QUOTA_USERS = pool("quota", 4);
/** Users of the platforms a worker starts for one flow (slow provider, short timeout). */
export const SIDE_USERS = pool("side", 10);
