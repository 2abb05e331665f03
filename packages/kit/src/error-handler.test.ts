import { Writable } from 'node:stream';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from './create-app.ts';
import { AppError, type ErrorEnvelope } from './errors.ts';
import { createLogger } from './logger.ts';

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

function build(opts: { bodyLimit?: number; lines?: string[] } = {}): App {
  const lines = opts.lines ?? [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const app = createApp({ name: 'test', version: '1', bodyLimit: opts.bodyLimit, logger: createLogger({ name: 'test', destination }) });
  apps.push(app);
  app.post(
    '/elements',
    {
      schema: {
        body: Type.Object({ elementId: Type.Integer({ minimum: 1 }), name: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ maximum: 100 })) }),
        response: { 200: Type.Object({ ok: Type.Boolean() }) },
      },
    },
    async (request) => ({ ok: request.body.elementId > 0 }),
  );
  app.get('/items', { schema: { querystring: Type.Object({ n: Type.Integer(), flag: Type.Boolean() }) } }, async (request) => request.query);
  app.get('/app-error', async () => {
    throw new AppError('CONFLICT', 'Version 3 already exists', { details: { version: 3 } });
  });
  app.get('/disk-full', async () => {
    throw new AppError('SEARCH_BACKEND_UNAVAILABLE', 'The disk is full', { retryAfterSeconds: 30, details: { retryable: true } });
  });
  app.get('/backend-down', async () => {
    throw new AppError('SEARCH_BACKEND_UNAVAILABLE', 'Search backend is unavailable', { cause: new Error('ECONNREFUSED') });
  });
  app.get('/bug', async () => {
    throw new Error('secret internals: db at /var/lib/x.db', { cause: new Error('root cause here') });
  });
  app.get('/teapot', async () => {
    throw Object.assign(new Error('I am a teapot'), { statusCode: 418 });
  });
  app.post('/ndjson', { config: { bodyAs: 'text' } }, async (request) => ({ type: typeof request.body, body: request.body }));
  app.post('/echo', async (request) => ({ type: typeof request.body, body: request.body }));
  return app;
}

const envelope = (body: string) => JSON.parse(body) as ErrorEnvelope;

describe('error handler', () => {
  it('maps an AppError to its status and envelope', async () => {
    const res = await build().inject({ url: '/app-error' });
    expect(res.statusCode).toBe(409);
    expect(envelope(res.body)).toEqual({ errorCode: 'CONFLICT', message: 'Version 3 already exists', details: { version: 3 } });
  });

  it('keeps a 5xx AppError message but logs its cause', async () => {
    const lines: string[] = [];
    const res = await build({ lines }).inject({ url: '/backend-down' });
    expect(res.statusCode).toBe(503);
    expect(envelope(res.body).errorCode).toBe('SEARCH_BACKEND_UNAVAILABLE');
    expect(lines.join('\n')).toContain('ECONNREFUSED');
    expect(res.headers['retry-after']).toBeUndefined();
  });

  it('sends Retry-After when the AppError says how long to wait', async () => {
    const res = await build().inject({ url: '/disk-full' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(envelope(res.body)).toEqual({ errorCode: 'SEARCH_BACKEND_UNAVAILABLE', message: 'The disk is full', details: { retryable: true } });
  });

  it('answers 400 naming the field for schema validation, listing every issue', async () => {
    const res = await build().inject({ method: 'POST', url: '/elements', payload: { elementId: 0, name: '', extra: 1 } });
    expect(res.statusCode).toBe(400);
    const body = envelope(res.body);
    expect(body.errorCode).toBe('VALIDATION_ERROR');
    expect(body.message).toContain('body/elementId must be >= 1');
    expect(body.details).toEqual(
      expect.arrayContaining([
        { path: 'body/elementId', message: 'must be >= 1' },
        { path: 'body/name', message: 'must NOT have fewer than 1 characters' },
        { path: 'body/extra', message: 'is not allowed' },
      ]),
    );
  });

  it('names a missing required field', async () => {
    const res = await build().inject({ method: 'POST', url: '/elements', payload: { name: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(envelope(res.body).message).toBe('body/elementId is required');
  });

  it('does not coerce body types (JSON has types) but coerces querystrings', async () => {
    const app = build();
    const bad = await app.inject({ method: 'POST', url: '/elements', payload: { elementId: '5', name: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(envelope(bad.body).message).toBe('body/elementId must be integer');
    const ok = await app.inject({ url: '/items?n=5&flag=true' });
    expect(ok.json()).toEqual({ n: 5, flag: true });
    const badQuery = await app.inject({ url: '/items?n=abc&flag=true' });
    expect(badQuery.statusCode).toBe(400);
    expect(envelope(badQuery.body).message).toBe('querystring/n must be integer');
  });

  it('answers 413 PAYLOAD_TOO_LARGE beyond the body limit', async () => {
    const res = await build({ bodyLimit: 64 }).inject({ method: 'POST', url: '/elements', payload: { elementId: 1, name: 'x'.repeat(200) } });
    expect(res.statusCode).toBe(413);
    expect(envelope(res.body)).toEqual({ errorCode: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large', details: null });
  });

  it('applies the body limit to NDJSON / text bodies too, which arrive as strings', async () => {
    const app = build({ bodyLimit: 64 });
    const ok = await app.inject({ method: 'POST', url: '/ndjson', headers: { 'content-type': 'application/x-ndjson' }, payload: '{"id":"1"}\n{"id":"2"}' });
    expect(ok.json()).toEqual({ type: 'string', body: '{"id":"1"}\n{"id":"2"}' });
    const text = await app.inject({ method: 'POST', url: '/ndjson', headers: { 'content-type': 'text/plain' }, payload: '{"id":"1"}' });
    expect(text.json()).toEqual({ type: 'string', body: '{"id":"1"}' });
    const big = await app.inject({ method: 'POST', url: '/ndjson', headers: { 'content-type': 'application/x-ndjson' }, payload: 'x'.repeat(100) });
    expect(big.statusCode).toBe(413);
  });

  it('answers 400 naming the problem for a malformed JSON body, and reads an empty body as none', async () => {
    const app = build();
    const malformed = await app.inject({ method: 'POST', url: '/elements', headers: { 'content-type': 'application/json' }, payload: '{"elementId": ' });
    expect(malformed.statusCode).toBe(400);
    expect(envelope(malformed.body)).toMatchObject({ errorCode: 'VALIDATION_ERROR', details: [{ path: 'body', message: 'is not valid JSON' }] });
    expect(envelope(malformed.body).message).toMatch(/^Request body is not valid JSON: .+/);
    const poisoned = await app.inject({ method: 'POST', url: '/elements', payload: '{"elementId": 1, "name": "x", "__proto__": {"admin": true}}' });
    expect(poisoned.statusCode).toBe(400);
    expect(envelope(poisoned.body).message).toBe('body/__proto__ is a forbidden key (it could change an object prototype)');
    // An empty body is no body: the route's schema names what is missing.
    const empty = await app.inject({ method: 'POST', url: '/elements', headers: { 'content-type': 'application/json' }, payload: '' });
    expect(empty.statusCode).toBe(400);
    expect(envelope(empty.body)).toMatchObject({ errorCode: 'VALIDATION_ERROR', message: 'body must be object' });
  });

  // Real clients label JSON in many ways: the Python typesense client sends no Content-Type, curl -d
  // sends form-urlencoded, the Go client's import octet-stream. Typesense reads all of them as JSON.
  it.each([
    ['no Content-Type', undefined],
    ['application/json', 'application/json'],
    ['application/json with a charset', 'application/json; charset=utf-8'],
    ['form-urlencoded (curl -d)', 'application/x-www-form-urlencoded'],
    ['text/plain', 'text/plain'],
    ['application/octet-stream', 'application/octet-stream'],
    ['an unknown type', 'application/xml'],
  ])('reads a JSON body sent with %s', async (_label, contentType) => {
    const res = await build().inject({
      method: 'POST',
      url: '/elements',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      payload: '{"elementId": 3, "name": "x"}',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    const bad = await build().inject({ method: 'POST', url: '/elements', headers: contentType === undefined ? {} : { 'content-type': contentType }, payload: 'elementId=3&name=x' });
    expect(bad.statusCode).toBe(400);
    expect(envelope(bad.body).message).toMatch(/^Request body is not valid JSON/);
  });

  it('hands a text route its body as a string whatever the Content-Type', async () => {
    const app = build();
    for (const type of [undefined, 'application/octet-stream', 'application/x-www-form-urlencoded', 'application/json']) {
      const res = await app.inject({ method: 'POST', url: '/ndjson', headers: type ? { 'content-type': type } : {}, payload: '{"id":"1"}\n{"id":"2"}' });
      expect(res.json(), type).toEqual({ type: 'string', body: '{"id":"1"}\n{"id":"2"}' });
    }
  });

  it('routes a path with a trailing slash like the same path without it', async () => {
    const app = build();
    const res = await app.inject({ method: 'POST', url: '/elements/?limit=5', payload: { elementId: 1, name: 'x' } });
    expect(res.statusCode).toBe(200);
    expect((await app.inject({ url: '/items/?n=1&flag=false' })).json()).toEqual({ n: 1, flag: false });
    expect((await app.inject({ url: '/health/' })).statusCode).toBe(200);
  });

  it('maps other 4xx errors by status', async () => {
    const res = await build().inject({ url: '/teapot' });
    expect(res.statusCode).toBe(400);
    expect(envelope(res.body)).toEqual({ errorCode: 'VALIDATION_ERROR', message: 'I am a teapot', details: null });
  });

  it('answers a method the path is not routed for with 405 and Allow, not 404 (TRACE)', async () => {
    const app = build();
    for (const method of ['TRACE', 'PUT', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/teapot' });
      expect(res.statusCode, method).toBe(405);
      expect(res.headers.allow).toBe('GET, HEAD');
      expect(envelope(res.body)).toMatchObject({ errorCode: 'METHOD_NOT_ALLOWED', details: { allowed: ['GET', 'HEAD'] } });
    }
    expect((await app.inject({ method: 'TRACE', url: '/nowhere' })).statusCode).toBe(404);
  });

  it('answers a `__proto__` key with a 400 naming it, and a lone surrogate with a 400 naming its field', async () => {
    const app = build();
    const proto = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"a":{"__proto__":{"x":1}}}' });
    expect(proto.statusCode).toBe(400);
    expect(envelope(proto.body)).toMatchObject({ errorCode: 'VALIDATION_ERROR', details: [{ path: 'body/a/__proto__' }] });
    expect(envelope(proto.body).message).toContain('body/a/__proto__');
    const ctor = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"constructor":{"prototype":{}}}' });
    expect(envelope(ctor.body).message).toContain('body/constructor');
    const lone = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"list":["ok","\\ud800x"]}' });
    expect(lone.statusCode).toBe(400);
    expect(envelope(lone.body).message).toContain('body/list/1');
    const paired = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"emoji":"\\ud83d\\ude00"}' });
    expect(paired.statusCode).toBe(200);
  });

  it('answers a URL or headers over 16 KB with 431 in the envelope, not Fastify\'s default body', async () => {
    const app = build();
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as { port: number };
      for (const init of [{ url: `/health?q=${'a'.repeat(17_000)}` }, { url: '/health', headers: { 'x-big': 'b'.repeat(17_000) } }]) {
        const res = await fetch(`http://127.0.0.1:${port}${init.url}`, { headers: init.headers ?? {} });
        expect(res.status).toBe(431);
        expect(await res.json()).toEqual({ errorCode: 'HEADERS_TOO_LARGE', message: 'Request line and headers exceed 16 KB', details: null });
      }
    } finally {
      await app.close();
    }
  });

  it('answers 500 without internals for a plain Error, logging it with its cause', async () => {
    const lines: string[] = [];
    const res = await build({ lines }).inject({ url: '/bug' });
    expect(res.statusCode).toBe(500);
    expect(envelope(res.body)).toEqual({ errorCode: 'INTERNAL_SERVER_ERROR', message: 'Internal server error', details: null });
    expect(res.body).not.toContain('secret internals');
    expect(res.body).not.toContain('stack');
    const logged = lines.map((l) => JSON.parse(l) as { level: number; err?: { message: string } }).find((l) => l.level === 50);
    expect(logged?.err?.message).toContain('secret internals');
    expect(JSON.stringify(logged)).toContain('root cause here');
  });

  it('answers 404 NOT_FOUND naming the method and path for unknown routes', async () => {
    const res = await build().inject({ method: 'DELETE', url: '/nope/here?x=1' });
    expect(res.statusCode).toBe(404);
    expect(envelope(res.body)).toEqual({ errorCode: 'NOT_FOUND', message: 'Route DELETE /nope/here not found', details: null });
  });

  it('answers a malformed URL with the envelope', async () => {
    const res = await build().inject({ url: '/items/%E0%A4%A?x-typesense-api-key=echoed-key-value' });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(envelope(res.body).errorCode).toMatch(/VALIDATION_ERROR|NOT_FOUND/);
    // The message names the problem, never echoing the URL (a key may ride in its query string).
    expect(res.body).not.toContain('echoed-key-value');
  });

  it('writes the envelope for errors thrown in onRequest hooks', async () => {
    const app = build();
    app.addHook('onRequest', async (request) => {
      if (request.url === '/app-error') throw new AppError('RATE_LIMITED', 'Slow down');
    });
    const res = await app.inject({ url: '/app-error' });
    expect(res.statusCode).toBe(429);
    expect(envelope(res.body)).toEqual({ errorCode: 'RATE_LIMITED', message: 'Slow down', details: null });
    expect(res.headers['x-request-id']).toBeDefined();
  });
});
