/**
 * Caddy in front, for real: the `caddy` binary on `deploy/Caddyfile` with `tls internal`, two edge
 * processes behind it, a real Search Gateway behind them. Over HTTPS trusting Caddy's local CA, a
 * request succeeds end to end; plain HTTP is redirected; with one edge instance killed, requests keep
 * succeeding.
 */
import { mintDevToken } from '@fountain/kit';
import { requireCaddy, startCaddy, startGateway, startService, type CaddyServer, type GatewayProcess, type ServiceProcess } from '@fountain/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const JWT = { JWT_SECRET: 'caddy-test-secret-0123456789abcdef-0123', JWT_ISSUER: 'caddy-test', JWT_AUDIENCE: 'fountain' };

describe.runIf(requireCaddy())('Caddy in front of two edge instances', () => {
  let gateway: GatewayProcess;
  const edges: ServiceProcess[] = [];
  let caddy: CaddyServer;
  let token: string;

  beforeAll(async () => {
    gateway = await startGateway();
    const edgeStarts = [0, 1].map(() =>
      startService({
          entry: 'services/edge/src/server.ts',
          timeoutMs: 90_000,
          env: {
            NODE_ENV: 'test',
            ...JWT,
            TYPESENSE_CLIENT_URL: gateway.url,
            TYPESENSE_SERVICE_API_KEY: gateway.serviceKey,
            // Caddy on loopback is the one proxy whose X-Forwarded-* the edge believes.
            TRUST_PROXY: '127.0.0.1,::1',
          },
        }),
    );
    edges.push(...(await Promise.all(edgeStarts)));
    caddy = await startCaddy({ upstreams: edges.map((e) => e.url) });
    token = await mintDevToken({ sub: 'tls-user', roles: ['viewer'], secret: JWT.JWT_SECRET, issuer: JWT.JWT_ISSUER, audience: JWT.JWT_AUDIENCE });
  }, 240_000);
  afterAll(async () => {
    await caddy?.stop();
    for (const e of edges) await e.stop();
    await gateway?.stopAndClean();
  });

  const viaCaddy = (path: string) =>
    request(`${caddy.httpsUrl}${path}`, { dispatcher: caddy.dispatcher, headers: { authorization: `Bearer ${token}` }, headersTimeout: 10_000 });

  it('answers a request end to end over HTTPS (Caddy -> edge -> Search Gateway), with HSTS', async () => {
    const res = await viaCaddy('/v1/search-api/collections');
    expect(res.statusCode).toBe(200);
    expect(Array.isArray(await res.body.json())).toBe(true);
    expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('still checks the token behind TLS (401 without one)', async () => {
    const res = await request(`${caddy.httpsUrl}/v1/search-api/collections`, { dispatcher: caddy.dispatcher });
    expect(res.statusCode).toBe(401);
    expect(((await res.body.json()) as { errorCode: string }).errorCode).toBe('UNAUTHORIZED');
  });

  it('redirects plain HTTP to HTTPS', async () => {
    const res = await request(`${caddy.httpUrl}/v1/search?q=x`, { method: 'GET' });
    await res.body.text();
    expect(res.statusCode).toBe(308);
    expect(res.headers.location).toBe(`${caddy.httpsUrl}/v1/search?q=x`);
  });

  it('keeps answering when one of the two edge instances is killed', async () => {
    await (edges[0] as ServiceProcess).kill();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await viaCaddy('/v1/search-api/collections');
      await res.body.text();
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual(Array(20).fill(200));
  });
});
