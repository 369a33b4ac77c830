// The test accounts. Each test takes a user of its own from a pool (see claimUser), so jobs,
// queues and galleries of one flow never show up in another.

export const PASSWORD = "e2e-Studio-pass-7421";
const pool = (prefix: string, size: number) => Array.from({ length: size }, (_, i) => `${prefix}${i + 1}`);

export const MAIN_USERS = pool("marketer", 40);
export const QUOTA_USERS = pool("quota", 4);
/** Users of the platforms a worker starts for one flow (slow provider, short timeout). */
export const SIDE_USERS = pool("side", 10);
/** Admin accounts (Django admin): a superuser, an operator (staff in the "operators" group, not
 * superuser) and a content manager (staff in the "content managers" group). */
export const ADMIN_USER = "admin-root";
export const STAFF_USER = "admin-staff";
export const EDITOR_USER = "admin-editor";
