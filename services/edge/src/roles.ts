/**
 * The edge's roles, each including the ones below it: a viewer searches and reads; an editor also
 * writes; an operator also runs sync operations (dead letters, audit, reindex, collection schema);
 * an admin also manages keys. A token's rank is its highest known role; any other claim is ignored,
 * so a role the edge doesn't know (`root`, `superuser`) grants nothing.
 */

/** The roles, lowest first. */
export const ROLES = ['viewer', 'editor', 'operator', 'admin'] as const;

/** One of the edge's roles. */
export type Role = (typeof ROLES)[number];

/** The rank of a role (viewer 0 .. admin 3). */
export function rankOf(role: Role): number {
  return ROLES.indexOf(role);
}

/** Whether a value names one of the edge's roles. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * The highest of the edge's roles among a token's roles, or null when it holds none of them.
 *
 * @example
 *   highestRole(['viewer', 'operator', 'root']) // 'operator'
 */
export function highestRole(roles: readonly unknown[]): Role | null {
  let best: Role | null = null;
  for (const r of roles) if (isRole(r) && (best === null || rankOf(r) > rankOf(best))) best = r;
  return best;
}

/** Whether a caller holding `roles` may use a route that needs `needed`. */
export function satisfies(roles: readonly unknown[], needed: Role): boolean {
  const best = highestRole(roles);
  return best !== null && rankOf(best) >= rankOf(needed);
}

/** The roles strictly below `role` (the ones a route needing `role` must refuse). */
export function rolesBelow(role: Role): Role[] {
  return ROLES.slice(0, rankOf(role));
}
