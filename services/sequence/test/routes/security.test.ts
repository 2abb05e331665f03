import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, buildHarness, type Harness } from '../harness.ts';
import { ROUTES, checkCommonRules, expectEnvelope } from './helpers.ts';

let h: Harness;
beforeAll(async () => {
  h = await buildHarness();
});
afterAll(async () => {
  await h.close();
});

describe('common rules, on every route', () => {
  it('the table covers every authenticated route in the OpenAPI document', () => {
    const spec = h.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const documented: string[] = [];
    for (const [path, ops] of Object.entries(spec.paths)) {
      for (const method of Object.keys(ops)) {
        const pattern = path.replace(/\{(\w+)\}/g, ':$1');
        // Ops routes are public; /sync/* are @fountain/sync's admin routes, tested in that package.
        if (['/health', '/ready', '/metrics'].includes(pattern) || pattern.startsWith('/sync/')) continue;
        documented.push(`${method.toUpperCase()} ${pattern}`);
      }
    }
    expect(documented.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.route}`).sort());
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.route}`, r] as const))('%s', async (_label, route) => {
    await checkCommonRules(h, route);
  });

  it('the sync admin routes need the key too', async () => {
    expectEnvelope(await h.app.inject({ url: '/sync/status' }), 'UNAUTHORIZED');
    expect((await h.app.inject({ url: '/sync/status', headers: { 'x-api-key': API_KEY } })).statusCode).toBe(200);
  });

  it('the ops routes need no key', async () => {
    for (const url of ['/health', '/ready', '/metrics', '/docs/json']) {
      expect((await h.app.inject({ url })).statusCode, url).toBe(200);
    }
  });

  it('an unknown route is a 404 envelope, with a key, and a 401 without one', async () => {
    expectEnvelope(await h.app.inject({ url: '/nope', headers: { 'x-api-key': API_KEY } }), 'NOT_FOUND');
    expectEnvelope(await h.app.inject({ url: '/nope' }), 'UNAUTHORIZED');
  });
});
