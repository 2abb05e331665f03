/**
 * A service opened for route tests: its real app, routes, migrations and sync, on a fresh SQLite file,
 * relaying to a real embedded search engine in-process. Nothing is faked.
 */
import { join } from 'node:path';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { apiKeyAuth, describeRouteTable, tempDir, type RouteCase as SharedRouteCase, type RouteChecks } from '@fountain/testing';
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
export type RouteCase = SharedRouteCase<TestService>;

/**
 * The shared route checker's settings for a blueprint service: the kit's API-key rules (apiKeyAuth);
 * malformed JSON, a body of the wrong shape and an unknown field are 400s naming the problem.
 */
export function serviceChecks(s: TestService): RouteChecks<TestService> {
  return {
    app: s.app,
    ctx: s,
    auth: apiKeyAuth(s.apiKey),
    validation: { closedByDefault: true, unknownField: 'surprise', wrongShape: 'refused', extraShapes: [{ name: {} }] },
    unknownRoute: { path: '/nope' },
    publicRoutes: ['/health', '/ready', '/metrics', '/docs/json'],
    // /sync/* are @fountain/sync's admin routes, tested in that package.
    undocumentedOk: (pattern) => ['/health', '/ready', '/metrics'].includes(pattern) || pattern.startsWith('/sync/'),
  };
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
 * The security suite of a service, from its route table: @fountain/testing's shared route checker
 * with {@link serviceChecks}, and the sync admin routes need the key.
 */
export function securitySuite<S extends TObject>(def: ServiceDefinition<S>, routes: RouteCase[]): void {
  let s: TestService;
  beforeAll(async () => {
    s = await openTestService(def);
  });
  afterAll(async () => {
    await s.close();
  });
  describeRouteTable(routes, () => serviceChecks(s));
  it('the sync admin routes need the key', async () => {
    expect((await s.app.inject({ url: '/sync/dead-letters' })).statusCode).toBe(401);
  });
}
