/**
 * Attacks on the proxy: path traversal out of a prefix, encoded slashes, request smuggling shapes,
 * header injection and oversized headers. Raw bytes over a socket where clients would normalize.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestEdge, rawHttp, startRecordingUpstream, tokenFor, type RecordingUpstream } from './edge.test-support.ts';

let upstream: RecordingUpstream;
let app: Awaited<ReturnType<typeof buildTestEdge>>;
let port: number;
let viewer: string;
let admin: string;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
  app = await buildTestEdge({ url: upstream.url });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
  viewer = await tokenFor(['viewer'], 'vic');
  admin = await tokenFor(['admin'], 'ada');
});
afterAll(async () => {
  await app.close();
  await upstream.close();
});

const statusOf = (text: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
const bodyOf = (text: string): { errorCode?: string; message?: string } => {
  const at = text.indexOf('\r\n\r\n');
  try {
    return JSON.parse(text.slice(at + 4)) as { errorCode?: string };
  } catch {
    return {};
  }
};
const get = (path: string, token = admin, extra = ''): Promise<string> =>
  rawHttp(port, `GET ${path} HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer ${token}\r\n${extra}Connection: close\r\n\r\n`);

describe('path traversal out of a prefix', () => {
  const attacks = [
    '/v1/sequence/../../keys',
    '/v1/sequence/../sync/sequence/dead-letters/replay',
    '/v1/elements/../../keys/central_sequence_service',
    '/v1/elements/%2e%2e/%2E%2E/keys',
    '/v1/elements/.%2e/keys',
    '/v1/search-api/collections/./documents',
    '/v1/search-api/collections/..',
    '/v1/elements/script/..',
  ];
  for (const path of attacks) {
    it(`refuses ${path} with 400, before anything reaches a service`, async () => {
      const before = upstream.seen.length;
      const text = await get(path);
      expect(statusOf(text), text).toBe(400);
      expect(bodyOf(text).errorCode).toBe('VALIDATION_ERROR');
      expect(upstream.seen.length).toBe(before);
    });
  }
});

describe('encoded slashes and backslashes', () => {
  for (const path of [
    '/v1/search-api/collections/a%2F..%2F..%2Fkeys/documents/x',
    '/v1/search-api/collections/a%2fb/documents/x',
    '/v1/elements/script%5C..%5C..%5Ckeys',
    '/v1/elements/script\\..\\keys',
    '/v1/elements/script%00/1',
  ]) {
    it(`refuses ${path} with 400`, async () => {
      const before = upstream.seen.length;
      const text = await get(path);
      expect(statusOf(text), text).toBe(400);
      expect(bodyOf(text).errorCode).toBe('VALIDATION_ERROR');
      expect(upstream.seen.length).toBe(before);
    });
  }

  it('re-encodes a parameter so it stays one segment at the service', async () => {
    await get('/v1/search-api/collections/a%20b%3Fc/documents/d%23e');
    expect(upstream.seen.at(-1)?.url).toBe('/collections/a%20b%3Fc/documents/d%23e');
  });
});

describe('request smuggling shapes', () => {
  const smuggled = `GET /v1/sync/sequence/status HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer ${'TOKEN'}\r\n\r\n`;
  const shapes: Array<[string, string]> = [
    ['Content-Length and Transfer-Encoding both', 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\n'],
    ['Transfer-Encoding and Content-Length both (other order)', 'Transfer-Encoding: chunked\r\nContent-Length: 4\r\n'],
    ['two different Content-Lengths', 'Content-Length: 4\r\nContent-Length: 40\r\n'],
    ['an obfuscated Transfer-Encoding', 'Transfer-Encoding: xchunked\r\nContent-Length: 4\r\n'],
    ['a space before the colon', 'Transfer-Encoding : chunked\r\nContent-Length: 4\r\n'],
  ];
  for (const [name, framing] of shapes) {
    it(`refuses ${name} with a 400 envelope, and the smuggled request never runs`, async () => {
      const before = upstream.seen.length;
      const text = await rawHttp(
        port,
        `POST /v1/sequence HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer ${admin}\r\nContent-Type: application/json\r\n${framing}\r\n0\r\n\r\n${smuggled.replace('TOKEN', admin)}`,
      );
      expect(statusOf(text), text).toBe(400);
      expect(bodyOf(text).errorCode).toBe('VALIDATION_ERROR');
      // One answer only: nothing after the bad request was read as a second one.
      expect(text.match(/HTTP\/1\.1 /g)?.length).toBe(1);
      expect(upstream.seen.slice(before).map((s) => s.url)).toEqual([]);
    });
  }
});

describe('header injection', () => {
  it("replaces a caller's X-Fountain-Subject / -Roles with the verified ones", async () => {
    const text = await get('/v1/elements/script', viewer, 'X-Fountain-Subject: ada\r\nX-Fountain-Roles: admin\r\n');
    expect(statusOf(text)).toBe(200);
    const h = upstream.seen.at(-1)?.headers ?? {};
    expect(h['x-fountain-subject']).toBe('vic');
    expect(h['x-fountain-roles']).toBe('viewer');
  });

  it('does not believe X-Forwarded-For from a caller that is not a trusted proxy', async () => {
    await get('/v1/elements/script', viewer, 'X-Forwarded-For: 10.9.8.7\r\nX-Forwarded-Proto: https\r\nForwarded: for=10.9.8.7\r\n');
    const h = upstream.seen.at(-1)?.headers ?? {};
    expect(h['x-forwarded-for']).toBe('127.0.0.1');
    expect(h['x-forwarded-proto']).toBe('http');
    expect(h.forwarded).toBeUndefined();
  });

  it('encodes a subject holding CR/LF, so it cannot add a header at the service', async () => {
    const evil = await tokenFor(['viewer'], 'eve\r\nX-Injected: 1\r\nX-Fountain-Roles: admin');
    const text = await get('/v1/elements/script', evil);
    expect(statusOf(text)).toBe(200);
    const h = upstream.seen.at(-1)?.headers ?? {};
    expect(h['x-injected']).toBeUndefined();
    expect(h['x-fountain-roles']).toBe('viewer');
    expect(h['x-fountain-subject']).toBe('eve%0D%0AX-Injected:%201%0D%0AX-Fountain-Roles:%20admin');
  });

  it('refuses CR/LF smuggled into a header value (400 from the parser)', async () => {
    const text = await rawHttp(port, `GET /v1/elements/script HTTP/1.1\r\nHost: edge\r\nAuthorization: Bearer ${viewer}\r\nX-A: a\rX-Fountain-Roles: admin\r\n\r\n`);
    expect(statusOf(text)).toBe(400);
  });

  it('never passes the caller\'s key parameter (x-typesense-api-key) on to the gateway', async () => {
    await get('/v1/search-api/collections/c/documents/search?q=a&x-typesense-api-key=stolen&query_by=t', viewer);
    const seen = upstream.seen.at(-1);
    expect(seen?.url).toBe('/collections/c/documents/search?q=a&query_by=t');
    expect(seen?.headers['x-api-key']).toBe('search-service-key-for-tests');
  });
});

describe('oversized headers', () => {
  it('answers 431 in the envelope, and the edge keeps answering', async () => {
    const text = await get('/v1/elements/script', viewer, `X-Big: ${'a'.repeat(20_000)}\r\n`);
    expect(statusOf(text)).toBe(431);
    expect(bodyOf(text).errorCode).toBe('HEADERS_TOO_LARGE');
    expect(statusOf(await get('/v1/elements/script', viewer))).toBe(200);
  });
});
