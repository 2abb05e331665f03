/**
 * The route checks of one service as tests: each route of its table, the table against the OpenAPI
 * document, unknown routes, methods a path doesn't take, and the public routes.
 */
import { expect, it } from 'vitest';
import { expectEnvelope } from './envelope.ts';
import { matchesPattern } from './path-attacks.ts';
import { acceptedFor, checkRoute, freshN, inspect, type CheckedApp, type RouteCase, type RouteChecks } from './route-checks.ts';

/** An unknown route is a 404 envelope for a caller with credentials, and a 401 or 404 one without. */
export async function checkUnknownRoute<Ctx, R extends RouteCase<Ctx>>(c: RouteChecks<Ctx, R>, routes: readonly R[]): Promise<void> {
  const url = c.unknownRoute?.path ?? '/no-such-route';
  const [cred] = acceptedFor(c, routes[0]!);
  const known = await c.app.inject({ url, headers: cred!.headers });
  inspect(known, url, c.auth.secrets ?? []);
  expectEnvelope(known, 'NOT_FOUND');
  const anonymous = await c.app.inject({ url });
  inspect(anonymous, url, []);
  if (c.unknownRoute?.anonymous) expectEnvelope(anonymous, c.unknownRoute.anonymous);
  else expect([401, 404]).toContain(anonymous.statusCode);
}

/** On each path of the table, a method no route of that path takes is a 405 envelope whose `Allow` lists the ones it does. */
export async function checkMethodNotAllowed<Ctx, R extends RouteCase<Ctx>>(c: RouteChecks<Ctx, R>, routes: readonly R[]): Promise<void> {
  const seen = new Set<string>();
  for (const route of routes) {
    const path = route.url(freshN()).split('?')[0]!;
    if (seen.has(route.route)) continue;
    seen.add(route.route);
    const methods = routes.filter((r) => matchesPattern(r.route, path)).map((r) => r.method);
    const other = (['DELETE', 'PATCH', 'PUT', 'POST', 'GET'] as const).find((m) => !methods.includes(m));
    if (other === undefined) continue;
    const res = await c.app.inject({ method: other, url: path, headers: acceptedFor(c, route)[0]!.headers });
    inspect(res, `${other} ${path}`, c.auth.secrets ?? []);
    expectEnvelope(res, 'METHOD_NOT_ALLOWED');
    const allow = String(res.headers.allow ?? '');
    for (const m of methods) expect(allow, `${other} ${path}: Allow`).toContain(m);
  }
}

/** The keyed routes of the OpenAPI document (`METHOD /path/:param`), less those `skip` names. */
async function documentedRoutes(app: CheckedApp, skip: (pattern: string) => boolean): Promise<string[]> {
  const doc = (await app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
  return Object.entries(doc.paths)
    .map(([path, ops]) => [path.replace(/\{(\w+)\}/g, ':$1'), ops] as const)
    .filter(([pattern]) => !skip(pattern))
    .flatMap(([pattern, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${pattern}`));
}

/**
 * Registers the route checks of a service: each route of the table obeys {@link checkRoute}; the
 * table is the OpenAPI document's keyed routes; unknown routes, other methods and public routes.
 * `checks` is called inside each test, so it may read what a `beforeAll` built.
 *
 * @example
 *   describeRouteTable(ROUTES, () => ({ app: h.app, ctx: h, auth: { rejected, accepted }, validation }));
 */
export function describeRouteTable<Ctx, R extends RouteCase<Ctx>>(routes: readonly R[], checks: () => RouteChecks<Ctx, R>): void {
  it('the route table lists each route once', () => {
    const keys = routes.map((r) => `${r.method} ${r.route}`);
    expect(new Set(keys).size).toBe(keys.length);
  });
  it('the route table covers every keyed route in the OpenAPI document', async (t) => {
    const c = checks();
    if (!c.undocumentedOk) return t.skip();
    const table = routes.map((r) => `${r.method} ${r.route.replace(/\{(\w+)\}/g, ':$1')}`);
    expect((await documentedRoutes(c.app, c.undocumentedOk)).sort()).toEqual(table.sort());
  });
  it.each(routes.map((r) => [`${r.method} ${r.route}`, r] as const))('%s', async (_label, route) => {
    await checkRoute(checks(), route);
  });
  it('an unknown route is a 404 envelope', () => checkUnknownRoute(checks(), routes));
  it('a method the path does not take is a 405 envelope naming the ones it does', () => checkMethodNotAllowed(checks(), routes));
  it('the public routes need no credentials', async (t) => {
    const c = checks();
    if (!c.publicRoutes) return t.skip();
    for (const url of c.publicRoutes) expect((await c.app.inject({ url })).statusCode, url).toBe(200);
  });
}
