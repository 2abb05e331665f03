import { checkCommonRules, openTestService, type TestService } from '@fountain/service/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scripts } from '../../src/service.ts';
import { ROUTES } from './helpers.ts';

let s: TestService;
beforeAll(async () => {
  s = await openTestService(scripts);
});
afterAll(async () => {
  await s.close();
});

describe('scripts: security', () => {
  it('the route table covers every authenticated route in the OpenAPI document', async () => {
    const doc = (await s.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const documented = Object.entries(doc.paths)
      .filter(([path]) => !['/health', '/ready', '/metrics'].includes(path) && !path.startsWith('/sync/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(ROUTES.map((r) => `${r.method} ${r.route}`).sort()).toEqual(documented.sort());
  });

  for (const route of ROUTES) it(`${route.method} ${route.route}`, () => checkCommonRules(s, route));

  it('the ops routes need no key; the sync admin routes do', async () => {
    for (const url of ['/health', '/ready', '/metrics']) expect((await s.app.inject({ url })).statusCode).toBe(200);
    expect((await s.app.inject({ url: '/sync/dead-letters' })).statusCode).toBe(401);
  });
});
