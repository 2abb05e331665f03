import { Counter } from 'prom-client';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App, type CreateAppOptions } from './create-app.ts';

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function build(opts: Partial<CreateAppOptions> = {}): App {
  const app = createApp({ name: 'obs-test', version: '1.2.3', logger: false, ...opts });
  apps.push(app);
  return app;
}

describe('health and readiness', () => {
  it('answers /health with the default and with what the service passes', async () => {
    // Both shapes at once: the seeds' {"status":"healthy"} and Typesense's {"ok":true}, which the
    // official clients' health checks (Python is_healthy(), Go Health(), npm health.retrieve()) read.
    expect((await build().inject({ url: '/health' })).body).toBe('{"status":"healthy","ok":true}');
    expect((await build({ health: () => ({ status: 'healthy', version: 'x' }) }).inject({ url: '/health' })).json()).toEqual({
      status: 'healthy',
      version: 'x',
    });
  });

  it('answers /ready 200 when every check passes, 503 otherwise', async () => {
    const ok = await build({ ready: async () => ({ sqlite: true, typesense: true }) }).inject({ url: '/ready' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'ready', checks: { sqlite: true, typesense: true } });

    const down = await build({ ready: async () => ({ sqlite: true, typesense: 'connect ECONNREFUSED' }) }).inject({ url: '/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', checks: { sqlite: true, typesense: 'connect ECONNREFUSED' } });

    const throwing = await build({
      ready: async () => {
        throw new Error('check exploded');
      },
    }).inject({ url: '/ready' });
    expect(throwing.statusCode).toBe(503);
    expect(throwing.json()).toEqual({ status: 'unavailable', checks: { ready: 'check exploded' } });
  });
});

describe('metrics', () => {
  it('counts requests by route pattern, not raw URL, and labels unknown routes not_found', async () => {
    const app = build();
    app.get('/collections/:name', async (request) => request.params);
    await app.inject({ url: '/collections/a' });
    await app.inject({ url: '/collections/b' });
    await app.inject({ url: '/nowhere/12345' });
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(/http_requests_total\{method="GET",route="\/collections\/:name",status_code="200",service="obs-test"\} 2/);
    expect(text).toMatch(/http_requests_total\{method="GET",route="not_found",status_code="404",service="obs-test"\} 1/);
    expect(text).toMatch(/http_request_duration_seconds_bucket\{le="[^"]+",service="obs-test",method="GET",route="\/collections\/:name",status_code="200"\} 2/);
    expect(text).not.toContain('/collections/a');
    expect(text).not.toContain('12345');
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('exposes a per-app registry other packages register into', async () => {
    const a = build();
    const b = build();
    await a.ready();
    await b.ready();
    expect(a.metricsRegistry).not.toBe(b.metricsRegistry);
    const outbox = new Counter({ name: 'sync_outbox_test_total', help: 'test', registers: [a.metricsRegistry] });
    outbox.inc(3);
    expect((await a.inject({ url: '/metrics' })).body).toContain('sync_outbox_test_total{service="obs-test"} 3');
    expect((await b.inject({ url: '/metrics' })).body).not.toContain('sync_outbox_test_total');
  });
});

describe('OpenAPI docs', () => {
  it('serves /docs/json with routes added right after createApp, and the UI at /docs', async () => {
    const app = build({ openapi: { title: 'Search Gateway', description: 'Search for FountainAI' } });
    app.post(
      '/search',
      { schema: { summary: 'Search documents', body: Type.Object({ q: Type.String({ description: 'The query' }) }) } },
      async () => ({}),
    );
    await app.register(async (child) => {
      child.get('/plugin-route', { schema: { summary: 'From a plugin' } }, async () => ({}));
    });
    const res = await app.inject({ url: '/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json<{ openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, { summary?: string }>> }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info).toMatchObject({ title: 'Search Gateway', version: '1.2.3' });
    expect(doc.paths['/search']?.post?.summary).toBe('Search documents');
    expect(doc.paths['/plugin-route']?.get?.summary).toBe('From a plugin');
    expect(doc.paths['/health']).toBeDefined();
    const ui = await app.inject({ url: '/docs' });
    expect(ui.statusCode).toBeLessThan(400);
  });
});
