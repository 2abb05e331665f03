/**
 * The path-segment attacks of issue 8 item 1, as one check the route table drives: every route that
 * takes a collection, alias or document name in its path is sent `.`, `..`, `%2E%2E`, `%2F`, `\` and
 * a lone surrogate in each such segment, and must answer a 4xx envelope, never a 2xx or a 500. The
 * fixtures must survive all of it (the attack deleted the collection through `DELETE .../documents/..`).
 */
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { ErrorCode } from '@fountain/kit';
import { DEFAULT_COLLECTION, FIXTURE_DOCS, KEY, fresh, withKey, type Harness, type RouteCase } from './helpers.ts';

/** One attack value for a path segment, and what it must answer. */
export interface SegmentAttack {
  name: string;
  /** The segment as sent on the wire (already percent-encoded where needed). */
  raw: string;
  /** The code it must answer (a refusal, 400), or `legal`: a legal name, so any answer but a 5xx. */
  expect: ErrorCode | 'legal';
}

/** The values of the attack, in their URL form. */
export const SEGMENT_ATTACKS: SegmentAttack[] = [
  { name: '.', raw: '.', expect: 'VALIDATION_ERROR' },
  { name: '..', raw: '..', expect: 'VALIDATION_ERROR' },
  { name: '%2E%2E', raw: '%2E%2E', expect: 'VALIDATION_ERROR' },
  { name: '%2e%2E', raw: '%2e%2E', expect: 'VALIDATION_ERROR' },
  { name: '%2E', raw: '%2E', expect: 'VALIDATION_ERROR' },
  { name: '%2F', raw: '%2F', expect: 'VALIDATION_ERROR' },
  { name: '..%2F..', raw: '..%2F..', expect: 'VALIDATION_ERROR' },
  // A backslash or a quote is a legal name character, percent-encoded on the way; Typesense pastes it
  // unescaped into its error JSON, which used to be a 500.
  { name: '\\', raw: '%5C', expect: 'legal' },
  { name: 'a\\x"', raw: 'a%5Cx%22', expect: 'legal' },
  // U+D800 in UTF-8 form (CESU-8): the only way a lone surrogate can be written in a URL.
  { name: 'lone surrogate', raw: '%ED%A0%80', expect: 'VALIDATION_ERROR' },
];

/** A raw HTTP answer. */
interface RawAnswer {
  statusCode: number;
  body: string;
  json<T>(): T;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Sends one request over real HTTP with the path exactly as given: `app.inject` (like fetch) parses
 * the URL and resolves `..` before the app sees it, which is what a careful client does, not an
 * attacker. The harness's app starts listening on a loopback port the first time.
 */
export async function sendRaw(
  h: Harness,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawAnswer> {
  if (!h.app.server.listening) await h.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = h.app.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ statusCode: res.statusCode ?? 0, body: text, headers: res.headers, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The route's sample URL with the path segment at `index` replaced by `raw`. */
function withSegment(route: RouteCase, index: number, raw: string): string {
  const url = route.url(fresh());
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const parts = path.split('/');
  parts[index] = raw;
  return parts.join('/') + (q === -1 ? '' : url.slice(q));
}

/**
 * Sends every {@link SEGMENT_ATTACKS} value in every named segment of the route, with the full key,
 * and checks each answer is the expected 4xx envelope.
 */
export async function checkPathSegments(h: Harness, route: RouteCase): Promise<string[]> {
  const seen: string[] = [];
  const params = route.route.split('/').map((p, i) => (p.startsWith(':') ? i : -1)).filter((i) => i >= 0);
  for (const index of params) {
    for (const attack of SEGMENT_ATTACKS) {
      const url = withSegment(route, index, attack.raw);
      const body = route.body?.(fresh());
      const res = await sendRaw(
        h,
        route.method,
        url,
        withKey(KEY.full, body === undefined ? {} : { 'content-type': route.text ? 'text/plain' : 'application/json' }),
        body === undefined ? undefined : route.text ? (body as string) : JSON.stringify(body),
      );
      const label = `${route.method} ${url}: ${res.statusCode} ${res.body}`;
      expect(res.statusCode, label).toBeLessThan(500);
      if (attack.expect === 'legal' && res.statusCode < 400) {
        seen.push(`${route.method} ${url} -> ${res.statusCode}`);
        continue;
      }
      expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
      const code = res.json<{ errorCode: ErrorCode }>().errorCode;
      if (attack.expect !== 'legal') expect(code, label).toBe(attack.expect);
      expect(res.headers['content-type'], label).toMatch(/^application\/json/);
      expect(Object.keys(res.json<object>()).sort(), label).toEqual(['details', 'errorCode', 'message']);
      seen.push(`${route.method} ${url} -> ${res.statusCode} ${code}`);
    }
  }
  return seen;
}

/** The fixture collections and their documents are all still there. */
export async function expectFixturesIntact(h: Harness): Promise<void> {
  for (const name of [DEFAULT_COLLECTION, 'sequence_a', 'story_a']) {
    const info = await h.backend.getCollection(name);
    expect(info.name).toBe(name);
    for (const d of FIXTURE_DOCS) await expect(h.backend.getDocument(name, d.id)).resolves.toMatchObject({ id: d.id });
  }
}
