/**
 * The proxy's transport: bodies stream through, a service that is down or slow answers 502/504 in the
 * envelope, the request id is kept or created and reaches the service, X-Forwarded-* are set and
 * hop-by-hop headers are dropped both ways.
 */
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { expectEnvelope, freePort } from '@fountain/testing';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestEdge, rawHttp, startRecordingUpstream, tokenFor, type RecordingUpstream } from './edge.test-support.ts';

let upstream: RecordingUpstream;
let app: Awaited<ReturnType<typeof buildTestEdge>>;
let base: string;
let editor: string;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  app = await buildTestEdge({ url: upstream.url, app: { timeoutMs: 800 } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  editor = await tokenFor(['editor'], 'alice');
});
afterAll(async () => {
  await app.close();
  await upstream.close();
});

describe('bodies', () => {
  it('streams a request body: the service has the first chunk before the caller sends the last', async () => {
    // The service counts bytes as its socket receives them, before its request ends.
    let received = 0;
    const firstArrived = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (received > 0) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    const server = createServer((req, res) => {
      req.on('data', (c: Buffer) => (received += c.length));
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ bytes: received })));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const streaming = await buildTestEdge({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    await streaming.listen({ port: 0, host: '127.0.0.1' });
    const edgeUrl = `http://127.0.0.1:${(streaming.server.address() as AddressInfo).port}`;

    const line = `${JSON.stringify({ id: 'x', text: 'y'.repeat(1000) })}\n`;
    async function* body() {
      yield Buffer.from(line.repeat(64));
      // The rest is only sent once the service holds the first chunk: a buffering proxy would deadlock here.
      await firstArrived;
      for (let i = 0; i < 200; i++) yield Buffer.from(line.repeat(64));
    }
    const res = await request(`${edgeUrl}/v1/search-api/collections/big/documents/import?action=upsert`, {
      method: 'POST',
      headers: { authorization: `Bearer ${editor}`, 'content-type': 'text/plain' },
      body: Readable.from(body()),
      headersTimeout: 10_000,
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.json()).toEqual({ bytes: line.length * 64 * 201 });
    await streaming.close();
    server.close();
  });

  it('passes a JSON body byte for byte', async () => {
    upstream.behave((s, res) => res.writeHead(201, { 'content-type': 'application/json' }).end(s.body));
    const payload = '{"elementType":"script","elementId":1,  "comment":"ünïcode ✓"}';
    const res = await app.inject({ method: 'POST', url: '/v1/sequence', headers: { authorization: `Bearer ${editor}`, 'content-type': 'application/json' }, payload });
    expect(res.statusCode).toBe(201);
    expect(res.body).toBe(payload);
  });
});

describe('a service down or slow', () => {
  it('answers 502 UPSTREAM_UNAVAILABLE when the service refuses connections', async () => {
    const dead = await buildTestEdge({ url: `http://127.0.0.1:${await freePort()}` });
    const res = await dead.inject({ method: 'GET', url: '/v1/elements/script', headers: { authorization: `Bearer ${editor}` } });
    const body = expectEnvelope(res, 'UPSTREAM_UNAVAILABLE');
    expect(body.message).toContain('Central Sequence Service');
    expect(body.details).toEqual({ service: 'sequence' });
    await dead.close();
  });

  it('answers 502 naming KEY_MANAGEMENT_URL when no KMS is configured', async () => {
    const noKms = await buildTestEdge({ url: upstream.url, only: ['sequence', 'search'] });
    const res = await noKms.inject({ method: 'GET', url: '/v1/keys', headers: { authorization: `Bearer ${await tokenFor(['admin'])}` } });
    expect(expectEnvelope(res, 'UPSTREAM_UNAVAILABLE').message).toContain('KEY_MANAGEMENT_URL');
    await noKms.close();
  });

  it('answers 504 UPSTREAM_TIMEOUT when the service takes longer than the timeout', async () => {
    upstream.behave((_s, res) => setTimeout(() => res.writeHead(200).end('{}'), 2_000));
    const started = Date.now();
    const res = await app.inject({ method: 'GET', url: '/v1/elements/script', headers: { authorization: `Bearer ${editor}` } });
    expectEnvelope(res, 'UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(1_900);
  });

  it("passes a service's own error envelope through unchanged", async () => {
    const envelope = { errorCode: 'NOT_FOUND', message: 'No element script/9', details: null };
    upstream.behave((_s, res) => res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify(envelope)));
    const res = await app.inject({ method: 'GET', url: '/v1/elements/script/9', headers: { authorization: `Bearer ${editor}` } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual(envelope);
  });
});

describe('headers', () => {
  beforeAll(() => upstream.behave((s, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ url: s.url }))));

  it('keeps a well-formed X-Request-Id and passes it to the service', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/elements/script', headers: { authorization: `Bearer ${editor}`, 'x-request-id': 'trace-abc.123' } });
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    expect(upstream.seen.at(-1)?.headers['x-request-id']).toBe('trace-abc.123');
  });

  it('creates an X-Request-Id when there is none (or a malformed one) and passes that on', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/elements/script', headers: { authorization: `Bearer ${editor}`, 'x-request-id': 'bad id\twith spaces' } });
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream.seen.at(-1)?.headers['x-request-id']).toBe(id);
  });

  it("sends the service its own key, the caller's subject and roles, and X-Forwarded-*; never the caller's token", async () => {
    await app.inject({ method: 'GET', url: '/v1/elements/script', headers: { authorization: `Bearer ${editor}`, host: 'api.example.test' } });
    const h = upstream.seen.at(-1)?.headers ?? {};
    expect(h['x-api-key']).toBe('sequence-service-key-for-tests');
    expect(h.authorization).toBeUndefined();
    expect(h['x-fountain-subject']).toBe('alice');
    expect(h['x-fountain-roles']).toBe('editor');
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h['x-forwarded-host']).toBe('api.example.test');
  });

  it("passes the caller's own JWT to the Key Management Service (it verifies and audits it), and no service key", async () => {
    const admin = await tokenFor(['admin'], 'ada');
    await app.inject({ method: 'GET', url: '/v1/keys/central_sequence_service', headers: { authorization: `Bearer ${admin}` } });
    const seen = upstream.seen.at(-1);
    expect(seen?.url).toBe('/keys/central_sequence_service');
    expect(seen?.headers.authorization).toBe(`Bearer ${admin}`);
    expect(seen?.headers['x-api-key']).toBeUndefined();
  });

  it('drops hop-by-hop headers, and the ones Connection names, in both directions', async () => {
    upstream.behave((_s, res) => {
      res.setHeader('x-upstream-private', 'secret-hop');
      res.setHeader('connection', 'x-upstream-private');
      res.setHeader('proxy-authenticate', 'Basic');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    // Raw bytes: HTTP clients won't send a Connection header naming other headers.
    const port = Number(new URL(base).port);
    const text = await rawHttp(
      port,
      `GET /v1/elements/script HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${editor}\r\nConnection: close, x-hop-only\r\n` +
        'X-Hop-Only: drop me\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nTE: trailers\r\nKeep-Alive: timeout=5\r\n\r\n',
    );
    expect(text).toMatch(/^HTTP\/1\.1 200/);
    const h = upstream.seen.at(-1)?.headers ?? {};
    expect(h['x-hop-only']).toBeUndefined();
    expect(h['proxy-authorization']).toBeUndefined();
    expect(h.te).toBeUndefined();
    expect(h['keep-alive']).toBeUndefined();
    const res = { headers: Object.fromEntries(text.split('\r\n\r\n')[0]?.split('\r\n').slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]) ?? []) };
    expect(res.headers['x-upstream-private']).toBeUndefined();
    expect(res.headers['proxy-authenticate']).toBeUndefined();
  });
});
