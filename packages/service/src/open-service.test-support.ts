/**
 * A service opened for route tests: its real app, routes, migrations and sync, on a fresh SQLite file,
 * relaying to a real embedded search engine in-process. Nothing is faked.
 */
import { join } from 'node:path';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { expectEnvelope, tempDir } from '@fountain/testing';
import type { TObject } from 'typebox';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readServiceSettings } from './config.ts';
import { openService, type OpenService, type ServiceDefinition } from './run-service.ts';

/** A test service, with its backend and database path. */
export interface TestService extends OpenService {
  backend: SearchBackend;
  dbPath: string;
  apiKey: string;
}

/**
 * Opens `def` on a temp database and an embedded engine, with a throwaway API key.
 *
 * @example
 *   const s = await openTestService(characters); await s.app.inject({ url: '/characters', headers: { 'x-api-key': s.apiKey } });
 */
export async function openTestService<S extends TObject>(def: ServiceDefinition<S>, env: Record<string, string> = {}): Promise<TestService> {
  const tmp = tempDir(`${def.name}-test-`);
  const dbPath = join(tmp.dir, `${def.name}.db`);
  const apiKey = `test-${def.name}-api-key-5e0b`;
  const backend = await createEmbeddedBackend({ dataDir: join(tmp.dir, 'search') });
  const settings = readServiceSettings(def.config, { DATABASE_URL: dbPath, API_KEY: apiKey, ...env }, false);
  const service = await openService(def, settings, { backend, sync: { relay: { pollMs: 50, maxWaitMs: 1, backoff: { baseMs: 20, maxMs: 200 } }, auditIntervalMs: 0 } });
  await service.app.ready();
  return {
    ...service,
    backend,
    dbPath,
    apiKey,
    async close() {
      await service.close();
      await backend.close();
      tmp.cleanup();
    },
  };
}

/** One authenticated route of a service, with a valid sample request (made valid by `setup`). */
export interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route pattern, as the OpenAPI document lists it (`/characters/{id}`). */
  route: string;
  url: (n: number) => string;
  body?: (n: number) => Record<string, unknown>;
  /** Prepares the n-th call (creates the resource it needs); answers the id to use, if any. */
  setup?: (s: TestService, n: number) => Promise<void>;
  ok: number;
}

/** One sequence across every route checked in a process, so setups never collide. */
let n = 0;

/**
 * The rules every authenticated route obeys, checked on one route: no key, a wrong key or a key
 * with a suffix is the same 401 envelope, never echoing the key; X-API-KEY and Bearer both work;
 * malformed JSON, a body of the wrong shape and an unknown field are 400s naming the problem; never a
 * 500.
 */
export async function checkCommonRules(s: TestService, route: RouteCase): Promise<void> {
  const send = (headers: Record<string, string>, payload?: string, i = ++n) =>
    s.app.inject({
      method: route.method,
      url: route.url(i),
      headers: { ...headers, ...(payload !== undefined && { 'content-type': 'application/json' }) },
      ...(payload !== undefined && { payload }),
    });
  const sample = (i: number): string | undefined => (route.body ? JSON.stringify(route.body(i)) : undefined);
  const wrong: Array<Record<string, string>> = [{}, { 'x-api-key': 'not-the-key' }, { authorization: 'Bearer not-the-key' }, { 'x-api-key': `${s.apiKey}x` }];
  for (const headers of wrong) {
    const res = await send(headers, sample(n + 1));
    expect(expectEnvelope(res, 'UNAUTHORIZED').message).toBe('Invalid or missing API Key');
    expect(res.body).not.toContain(s.apiKey);
  }
  const right: Array<Record<string, string>> = [{ 'x-api-key': s.apiKey }, { authorization: `Bearer ${s.apiKey}` }];
  for (const headers of right) {
    const i = ++n;
    await route.setup?.(s, i);
    const res = await send(headers, sample(i), i);
    expect(res.statusCode, `${route.method} ${route.route}: ${res.body}`).toBe(route.ok);
  }
  if (!route.body) return;
  for (const raw of ['{', 'nope', '[]', '1', 'null', '{"name": {}}']) {
    const i = ++n;
    await route.setup?.(s, i);
    const res = await send({ 'x-api-key': s.apiKey }, raw, i);
    expect(res.statusCode, `${route.method} ${route.route} with ${raw}: ${res.body}`).toBe(400);
  }
  const i = ++n;
  await route.setup?.(s, i);
  const extra = await send({ 'x-api-key': s.apiKey }, JSON.stringify({ ...route.body(i), surprise: 1 }), i);
  expect(`${expectEnvelope(extra, 'VALIDATION_ERROR').message}`).toContain('surprise');
}

/** A JSON request with the service's key (and any extra headers, e.g. `prefer: wait-for-index`). */
export function call(s: TestService, method: RouteCase['method'], url: string, body?: unknown, headers: Record<string, string> = {}) {
  return s.app.inject({
    method,
    url,
    headers: { 'x-api-key': s.apiKey, ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { payload: JSON.stringify(body) }),
  });
}

/**
 * The security suite of a service, from its route table: the table covers every authenticated route
 * of the OpenAPI document, each route obeys {@link checkCommonRules}, the ops routes are public and
 * the sync admin routes are not.
 */
export function securitySuite<S extends TObject>(def: ServiceDefinition<S>, routes: RouteCase[]): void {
  let s: TestService;
  beforeAll(async () => {
    s = await openTestService(def);
  });
  afterAll(async () => {
    await s.close();
  });
  it('the route table covers every authenticated route in the OpenAPI document', async () => {
    const doc = (await s.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
    const documented = Object.entries(doc.paths)
      .filter(([path]) => !['/health', '/ready', '/metrics'].includes(path) && !path.startsWith('/sync/'))
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.map((r) => `${r.method} ${r.route}`).sort()).toEqual(documented.sort());
  });
  for (const route of routes) it(`${route.method} ${route.route}`, () => checkCommonRules(s, route));
  it('the ops routes need no key; the sync admin routes do', async () => {
    for (const url of ['/health', '/ready', '/metrics']) expect((await s.app.inject({ url })).statusCode).toBe(200);
    expect((await s.app.inject({ url: '/sync/dead-letters' })).statusCode).toBe(401);
  });
}
