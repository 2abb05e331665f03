/**
 * Rate limits: exact under 200 parallel requests, per subject (one subject's burst never starves
 * another), per IP without a token, per role and per route, 429 in the envelope with Retry-After,
 * and shared across two edge instances through a real redis-server.
 */
import { expectEnvelope, requireRedis, startRedis, type RedisServer } from '@fountain/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestEdge, startRecordingUpstream, tokenFor, type RecordingUpstream } from './edge.test-support.ts';

let upstream: RecordingUpstream;
beforeAll(async () => {
  upstream = await startRecordingUpstream();
});
afterAll(() => upstream.close());

type Edge = Awaited<ReturnType<typeof buildTestEdge>>;
const burst = (app: Edge, n: number, token?: string, url = '/v1/elements/script') =>
  Promise.all(Array.from({ length: n }, () => app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} })));
const count = (responses: Array<{ statusCode: number }>, status: number) => responses.filter((r) => r.statusCode === status).length;

describe('in memory', () => {
  let app: Edge;
  beforeAll(async () => {
    app = await buildTestEdge({
      url: upstream.url,
      rateLimits: { anonymous: 5, roles: { viewer: 50, editor: 50, operator: 50, admin: 80 }, routes: { 'POST /v1/sequence': 3 } },
    });
  });
  afterAll(() => app.close());

  it('lets exactly the budget through out of 200 parallel requests; the rest are 429 envelopes with Retry-After', async () => {
    const responses = await burst(app, 200, await tokenFor(['viewer'], 'burst-a'));
    expect(count(responses, 200)).toBe(50);
    expect(count(responses, 429)).toBe(150);
    const limited = responses.find((r) => r.statusCode === 429);
    if (!limited) throw new Error('no 429');
    const body = expectEnvelope(limited, 'RATE_LIMITED');
    expect(body.details).toMatchObject({ limit: 50, windowSeconds: 60 });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it("one subject's burst does not starve another", async () => {
    const [a, b] = await Promise.all([tokenFor(['viewer'], 'noisy'), tokenFor(['viewer'], 'quiet')]);
    const [noisy, quiet] = await Promise.all([burst(app, 150, a), burst(app, 40, b)]);
    expect(count(noisy, 200)).toBe(50);
    expect(count(quiet, 200)).toBe(40);
  });

  it('budgets by role: an admin gets its own larger budget', async () => {
    const responses = await burst(app, 100, await tokenFor(['viewer', 'admin'], 'boss'));
    expect(count(responses, 200)).toBe(80);
  });

  it('a route with its own budget is counted apart from the rest', async () => {
    const token = await tokenFor(['editor'], 'writer');
    const posts = await Promise.all(
      Array.from({ length: 6 }, () => app.inject({ method: 'POST', url: '/v1/sequence', headers: { authorization: `Bearer ${token}` }, payload: {} })),
    );
    expect(count(posts, 200)).toBe(3);
    expect(count(posts, 429)).toBe(3);
    expect((await burst(app, 1, token))[0]?.statusCode).toBe(200);
  });

  it('limits anonymous requests per IP, each request counted on its own even within one tick', async () => {
    const responses = await burst(app, 8, undefined, '/health');
    expect(count(responses, 200)).toBe(5);
    expect(count(responses, 429)).toBe(3);
  });
});

describe.runIf(requireRedis())('shared through Redis (REDIS_URL)', () => {
  let redisServer: RedisServer;
  const clients: Redis[] = [];
  const apps: Edge[] = [];
  beforeAll(async () => {
    redisServer = await startRedis();
    for (let i = 0; i < 2; i++) {
      const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
      redis.on('error', () => {}); // the outage test stops the server on purpose
      clients.push(redis);
      const app = await buildTestEdge({ url: upstream.url, redis, rateLimits: { roles: { viewer: 30, editor: 30, operator: 30, admin: 30 } } });
      await app.ready();
      apps.push(app);
    }
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const c of clients) c.disconnect();
    await redisServer.stop();
  });

  it('two edge instances share one budget per subject', async () => {
    const token = await tokenFor(['viewer'], 'shared');
    // 200 parallel requests, alternating between the two instances.
    const all = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (apps[i % 2] as Edge).inject({ method: 'GET', url: '/v1/elements/script', headers: { authorization: `Bearer ${token}` } })),
    );
    expect(count(all, 200)).toBe(30);
    expect(count(all, 429)).toBe(170);
    // Each instance alone would have let 30 through: together they let 30 through in all.
    expect(count(all.filter((_, i) => i % 2 === 0), 200)).toBeLessThan(30);
  });

  it('keeps answering, unlimited, while Redis is down (and /ready says so)', async () => {
    await redisServer.stop();
    const res = (await burst(apps[0] as Edge, 3, await tokenFor(['viewer'], 'during-outage')))[0];
    expect(res?.statusCode).toBe(200);
    const ready = await (apps[0] as Edge).inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.redis).not.toBe(true);
  });
});
