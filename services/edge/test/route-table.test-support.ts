/**
 * The edge's route table (src/routes/route-table.ts) as the shared route checker's table, and its
 * settings: callers present a JWT; each route lets its own role through to a recording upstream and
 * refuses every role below it; the edge checks no bodies (the service behind does), and a refused
 * request never reaches a service.
 */
import { expect } from 'vitest';
import type { RouteCase, RouteChecks } from '@fountain/testing';
import { rolesBelow, type Role } from '../src/roles.ts';
import { ROUTES as EDGE_ROUTES, type EdgeRoute } from '../src/routes/route-table.ts';
import { samplePath, tokenFor, type RecordingUpstream } from './edge.test-support.ts';

/** A row of the edge's table, as a route case. */
export interface EdgeRouteCase extends RouteCase<undefined> {
  row: EdgeRoute;
}

/** Every row of THE route table, with a sample request (the edge's own search needs `q`). */
export const ROUTES: EdgeRouteCase[] = EDGE_ROUTES.map((row) => ({
  row,
  method: row.method,
  route: row.path,
  url: () => samplePath(row.path) + (row.service === 'edge' ? '?q=x' : ''),
  ...(row.method === 'GET' || row.method === 'DELETE' ? {} : { body: () => ({ probe: true }) }),
  ok: 200,
}));

/** One token per role, minted once. */
export async function roleTokens(roles: readonly Role[]): Promise<Map<Role, string>> {
  return new Map(await Promise.all(roles.map(async (role) => [role, await tokenFor([role])] as const)));
}

/**
 * The shared route checker's settings: no token, a token that isn't a JWT, and one signed with
 * another secret are 401s; the route's role is let through; every role below it is a 403 naming
 * the role needed, and reaches no service.
 */
export async function edgeChecks(
  app: RouteChecks<undefined>['app'],
  upstream: RecordingUpstream,
  tokens: Map<Role, string>,
): Promise<RouteChecks<undefined, EdgeRouteCase>> {
  const bearer = (name: string, token: string | undefined) => ({ name, headers: { authorization: `Bearer ${token}` } });
  const forged = await tokenFor(['admin'], 'mallory', { secret: 'another-secret-another-secret-another-secret' });
  return {
    app,
    ctx: undefined,
    auth: {
      rejected: [{ name: 'no token', headers: {} }, bearer('not a JWT', 'not-a-jwt-at-all'), bearer('another secret', forged)],
      accepted: (route) => [bearer(route.row.role, tokens.get(route.row.role))],
      insufficient: (route) =>
        rolesBelow(route.row.role).map((below) => ({
          ...bearer(below, tokens.get(below)),
          check: (body) => {
            expect(body.message).toContain(`'${route.row.role}'`);
            expect(body.details).toMatchObject({ requiredRole: route.row.role, role: below });
          },
        })),
    },
    reached: () => upstream.seen.length,
    unknownRoute: { path: '/v1/nope' },
    publicRoutes: ['/health', '/ready', '/metrics', '/docs/json'],
    undocumentedOk: (pattern) => ['/health', '/ready', '/metrics'].includes(pattern),
  };
}
