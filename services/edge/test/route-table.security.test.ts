/**
 * Walks THE route table: every route refuses every role below its own (403 naming the role needed),
 * refuses a request without a token (401), and lets its own role through to the right service path.
 */
import { expectEnvelope } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, rolesBelow } from '../src/roles.ts';
import { ROUTES, upstreamPathOf } from '../src/routes/route-table.ts';
import { buildTestEdge, samplePath, startRecordingUpstream, tokenFor, type RecordingUpstream } from './edge.test-support.ts';

let upstream: RecordingUpstream;
let app: Awaited<ReturnType<typeof buildTestEdge>>;
const tokens = new Map<string, string>();

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  app = await buildTestEdge({ url: upstream.url });
  await app.ready();
  for (const role of ROLES) tokens.set(role, await tokenFor([role]));
});
afterAll(async () => {
  await app.close();
  await upstream.close();
});

const payloadFor = (method: string) => (method === 'GET' || method === 'DELETE' ? {} : { payload: { probe: true } });

describe('the route table', () => {
  it('has one registered route per row, and no row twice', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const r of ROUTES) expect(app.hasRoute({ method: r.method, url: r.path }), `${r.method} ${r.path}`).toBe(true);
  });

  for (const route of ROUTES) {
    const url = samplePath(route.path);
    describe(`${route.method} ${route.path} (${route.role})`, () => {
      it('refuses a request without a token (401)', async () => {
        expectEnvelope(await app.inject({ method: route.method, url, ...payloadFor(route.method) }), 'UNAUTHORIZED');
      });

      for (const below of rolesBelow(route.role)) {
        it(`refuses a ${below} (403 naming '${route.role}')`, async () => {
          const before = upstream.seen.length;
          const res = await app.inject({ method: route.method, url, headers: { authorization: `Bearer ${tokens.get(below)}` }, ...payloadFor(route.method) });
          const body = expectEnvelope(res, 'FORBIDDEN');
          expect(body.message).toContain(`'${route.role}'`);
          expect(body.details).toMatchObject({ requiredRole: route.role, role: below });
          expect(upstream.seen.length).toBe(before); // nothing reached the service
        });
      }

      if (route.service !== 'edge') {
        it(`lets a ${route.role} through to ${route.service} ${upstreamPathOf(route, {})}`, async () => {
          const res = await app.inject({ method: route.method, url, headers: { authorization: `Bearer ${tokens.get(route.role)}` }, ...payloadFor(route.method) });
          expect(res.statusCode, res.body).toBe(200);
          const params = Object.fromEntries([...route.path.matchAll(/:(\w+)/g)].map((m) => [m[1] as string, `sample-${m[1]}`]));
          expect(res.json()).toEqual({ method: route.method, url: upstreamPathOf(route, params) });
        });
      }
    });
  }
});
