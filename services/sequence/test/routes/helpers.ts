/**
 * The route table and ONE shared check (`checkCommonRules`) that runs the common auth and validation
 * rules against every authenticated route of the service.
 */
import { expect } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { ErrorCode } from '@fountain/kit';
import { API_KEY, type Harness } from '../harness.ts';
import { expectEnvelope } from '@fountain/testing';

/** The shared envelope assertion (one copy, in @fountain/testing). */
export { expectEnvelope };


/** A 400 envelope whose message or details name `field`. */
export function expectValidation(res: LightMyRequestResponse, field: string): void {
  const body = expectEnvelope(res, 'VALIDATION_ERROR');
  expect(`${body.message} ${JSON.stringify(body.details)}`).toContain(field);
}

let counter = 1000;
/** A fresh element id. */
export const fresh = (): number => ++counter;

/** One authenticated route, with a valid sample request. */
export interface RouteCase {
  method: 'GET' | 'POST' | 'PUT';
  route: string;
  url: (n: number) => string;
  body?: (n: number) => unknown;
  /** Makes the n-th call valid (creates the element it needs). */
  setup?: (h: Harness, n: number) => Promise<void>;
  ok: number;
}

const create = async (h: Harness, n: number): Promise<void> => {
  const res = await h.app.inject({
    method: 'POST',
    url: '/sequence',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    payload: JSON.stringify({ elementType: 'action', elementId: n, comment: 'setup' }),
  });
  expect(res.statusCode, res.body).toBe(201);
};

/** Every authenticated route the service registers. */
export const ROUTES: RouteCase[] = [
  { method: 'POST', route: '/sequence', url: () => '/sequence', body: (n) => ({ elementType: 'action', elementId: n, comment: 'c' }), ok: 201 },
  {
    method: 'PUT',
    route: '/sequence/reorder',
    url: () => '/sequence/reorder',
    body: (n) => ({ elementType: 'action', elements: [{ elementId: n, newSequence: 500_000 + n }], comment: 'c' }),
    setup: create,
    ok: 200,
  },
  {
    method: 'POST',
    route: '/sequence/reorder',
    url: () => '/sequence/reorder',
    body: (n) => ({ elementType: 'action', elementIds: [n], newOrder: [n] }),
    setup: create,
    ok: 200,
  },
  {
    method: 'POST',
    route: '/sequence/version',
    url: () => '/sequence/version',
    body: (n) => ({ elementType: 'action', elementId: n, newVersionData: { a: 1 }, comment: 'c' }),
    setup: create,
    ok: 201,
  },
  { method: 'GET', route: '/elements/:elementType', url: () => '/elements/action', ok: 200 },
  { method: 'GET', route: '/elements/:elementType/:elementId', url: (n) => `/elements/action/${n}`, setup: create, ok: 200 },
  { method: 'GET', route: '/elements/:elementType/:elementId/versions', url: (n) => `/elements/action/${n}/versions`, setup: create, ok: 200 },
  {
    method: 'GET',
    route: '/elements/:elementType/:elementId/versions/:versionNumber',
    url: (n) => `/elements/action/${n}/versions/1`,
    setup: create,
    ok: 200,
  },
  { method: 'GET', route: '/search', url: () => '/search?q=*', ok: 200 },
];

/** Sends the n-th sample request of a route with the given headers (body overridable). */
export async function send(
  h: Harness,
  route: RouteCase,
  headers: Record<string, string>,
  opts: { n?: number; rawBody?: string } = {},
): Promise<LightMyRequestResponse> {
  const n = opts.n ?? fresh();
  const req: InjectOptions = { method: route.method, url: route.url(n), headers: { ...headers } };
  if (opts.rawBody !== undefined) {
    req.payload = opts.rawBody;
    req.headers = { ...req.headers, 'content-type': 'application/json' };
  } else if (route.body) {
    req.payload = JSON.stringify(route.body(n));
    req.headers = { ...req.headers, 'content-type': 'application/json' };
  }
  return h.app.inject(req);
}

/**
 * The common rules every route obeys: no key or a wrong key is the same 401 (never echoing the key);
 * X-API-KEY and Bearer work; malformed JSON and unknown body fields are 400; any JSON of the wrong
 * shape is a 4xx envelope; bad path parameters are 4xx. Never a 500.
 */
export async function checkCommonRules(h: Harness, route: RouteCase): Promise<void> {
  const label = `${route.method} ${route.route}`;
  for (const headers of [{}, { 'x-api-key': 'not-the-key' }, { authorization: 'Bearer not-the-key' }, { 'x-api-key': `${API_KEY}x` }] as Array<Record<string, string>>) {
    const res = await send(h, route, headers);
    const body = expectEnvelope(res, 'UNAUTHORIZED');
    expect(body.message, label).toBe('Invalid or missing API Key');
    expect(res.body).not.toContain(API_KEY);
  }
  for (const headers of [{ 'x-api-key': API_KEY }, { authorization: `Bearer ${API_KEY}` }] as Array<Record<string, string>>) {
    const n = fresh();
    await route.setup?.(h, n);
    const res = await send(h, route, headers, { n });
    expect(res.statusCode, `${label}: ${res.body}`).toBe(route.ok);
  }
  if (route.body) {
    for (const raw of ['{"elementType": "script",', '{', 'nope']) {
      expectEnvelope(await send(h, route, { 'x-api-key': API_KEY }, { rawBody: raw }), 'VALIDATION_ERROR');
    }
    for (const body of [[], 1, 'text', true, null, {}, { elementType: {} }, { elementId: 'x', elements: {}, elementIds: 'x' }, [[{}]]]) {
      const res = await send(h, route, { 'x-api-key': API_KEY }, { rawBody: JSON.stringify(body) });
      expect(res.statusCode, `${label} with ${JSON.stringify(body)}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${label} with ${JSON.stringify(body)}: ${res.body}`).toBeLessThan(500);
      expectEnvelope(res, res.json<{ errorCode: ErrorCode }>().errorCode);
    }
    // Unknown fields are refused, named.
    const n = fresh();
    await route.setup?.(h, n);
    const extra = { ...(route.body(n) as object), surprise: 1 };
    expectValidation(await send(h, route, { 'x-api-key': API_KEY }, { n, rawBody: JSON.stringify(extra) }), 'surprise');
  }
  if (route.route.includes(':')) {
    for (const bad of ['%00x', 'a%0Ab', '%E0%A4%A', 'Script', '-1', '0', '1.5', '99999999999999999999']) {
      const url = route.route
        .replace(':elementType', route.route.endsWith(':elementType') ? bad : 'action')
        .replace(':elementId', route.route.endsWith(':elementId') || route.route.endsWith('versions') ? bad : '1')
        .replace(':versionNumber', bad);
      const res = await h.app.inject({ method: route.method, url, headers: { 'x-api-key': API_KEY } });
      expect(res.statusCode, `${label} at ${url}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${label} at ${url}: ${res.body}`).toBeLessThan(500);
    }
  }
}
