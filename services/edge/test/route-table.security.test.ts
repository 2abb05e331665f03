/**
 * Walks THE route table with the shared route checker: every route refuses a request without a valid
 * token (401) and every role below its own (403 naming the role needed, nothing reaching a service),
 * lets its own role through, and refuses path attacks; and each row goes to the right service path.
 */
import { describeRouteTable, type RouteChecks } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../src/roles.ts';
import { upstreamPathOf } from '../src/routes/route-table.ts';
import { buildTestEdge, samplePath, startRecordingUpstream, type RecordingUpstream } from './edge.test-support.ts';
import { ROUTES, edgeChecks, roleTokens, type EdgeRouteCase } from './route-table.test-support.ts';

let upstream: RecordingUpstream;
let app: Awaited<ReturnType<typeof buildTestEdge>>;
let tokens: Map<Role, string>;
let checks: RouteChecks<undefined, EdgeRouteCase>;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  app = await buildTestEdge({ url: upstream.url });
  await app.ready();
  tokens = await roleTokens(ROLES);
  checks = await edgeChecks(app, upstream, tokens);
});
afterAll(async () => {
  await app.close();
  await upstream.close();
});

const payloadFor = (method: string) => (method === 'GET' || method === 'DELETE' ? {} : { payload: { probe: true } });

describe('the route table', () => {
  it('has one registered route per row', () => {
    for (const r of ROUTES) expect(app.hasRoute({ method: r.method, url: r.route }), `${r.method} ${r.route}`).toBe(true);
  });

  describe('the shared route checker', () => describeRouteTable(ROUTES, () => checks));

  for (const { row: route } of ROUTES.filter((r) => r.row.service !== 'edge')) {
    it(`${route.method} ${route.path} lets a ${route.role} through to ${route.service} ${upstreamPathOf(route, {})}`, async () => {
      const res = await app.inject({ method: route.method, url: samplePath(route.path), headers: { authorization: `Bearer ${tokens.get(route.role)}` }, ...payloadFor(route.method) });
      expect(res.statusCode, res.body).toBe(200);
      const params = Object.fromEntries([...route.path.matchAll(/:(\w+)/g)].map((m) => [m[1] as string, `sample-${m[1]}`]));
      expect(res.json()).toEqual({ method: route.method, url: upstreamPathOf(route, params) });
    });
  }
});
