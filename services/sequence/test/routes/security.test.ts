import { describeRouteTable, expectEnvelope } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, buildHarness, type Harness } from '../harness.test-support.ts';
import { ROUTES, sequenceChecks } from './route-table.test-support.ts';

let h: Harness;
beforeAll(async () => {
  h = await buildHarness();
});
afterAll(async () => {
  await h.close();
});

describe('common rules, on every route (the shared route checker)', () => {
  describeRouteTable(ROUTES, () => sequenceChecks(h));

  it('the sync admin routes need the key too', async () => {
    expectEnvelope(await h.app.inject({ url: '/sync/status' }), 'UNAUTHORIZED');
    expect((await h.app.inject({ url: '/sync/status', headers: { 'x-api-key': API_KEY } })).statusCode).toBe(200);
  });
});
