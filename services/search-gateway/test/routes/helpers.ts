/**
 * Route-test harness: the real gateway (`buildApp`) on the real embedded backend in a fresh temp dir,
 * three keys of different scope, fixtures, and ONE shared check (`checkCommonRules`) that runs the
 * common auth and validation rules against every route in {@link ROUTES}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { LightMyRequestResponse, InjectOptions } from 'fastify';
import type { Logger } from 'pino';
import type { ApiKey, ErrorCode } from '@fountain/kit';
import { createEmbeddedBackend, createTypesenseBackend, type SearchBackend } from '@fountain/search';
import type { TypesenseServer } from '@fountain/testing';
import { buildApp } from '../../src/app.ts';
import { SchemaCache } from '../../src/domain/schema-cache.ts';
import { seedCollectionSchema } from '../../src/domain/seed-schema.ts';
import { expectEnvelope } from '@fountain/testing';
import { checkPathSegments } from './path-segments.ts';

/** The shared envelope assertion (one copy, in @fountain/testing). */
export { expectEnvelope };

/** The key values. The full one is the seeds' development default, so the seed curls work verbatim. */
export const KEY = {
  full: 'your_secure_typesense_service_api_key',
  sequence: 'test-sequence-key-5f0c1e',
  sequenceAdmin: 'test-sequence-admin-key-9a7d2b',
  search: 'test-search-only-key-c41e88',
  victimDeleter: 'test-victim-delete-key-71c0aa',
} as const;

/** Key ids (loggable), used to check the 403 message names the key, never its value. */
export const KEYS: ApiKey[] = [
  { id: 'service', value: KEY.full, collections: ['*'], actions: ['*'] },
  { id: 'sequence', value: KEY.sequence, collections: ['sequence_*'], actions: ['documents:*', 'collections:get'] },
  // Like `sequence`, plus listing and aliases: for the list filtering and alias-target checks.
  {
    id: 'sequence-admin',
    value: KEY.sequenceAdmin,
    collections: ['sequence_*'],
    actions: ['documents:*', 'collections:*', 'aliases:*'],
  },
  { id: 'search-only', value: KEY.search, collections: ['*'], actions: ['documents:search'] },
  // May only delete documents of `victim*`: the key of the `..` attack (issue 8, item 1).
  { id: 'victim-deleter', value: KEY.victimDeleter, collections: ['victim*'], actions: ['documents:delete'] },
];

/** The seeds' default collection (TYPESENSE_COLLECTION_NAME's default). */
export const DEFAULT_COLLECTION = 'elements';

/** The documents every fixture collection starts with. */
export const FIXTURE_DOCS = [
  { id: '1_1', element_type: 'script', element_id: 1, sequence_number: 1, version_number: 1, comment: 'First script element.', service_name: 'service_a' },
  { id: '2_1', element_type: 'script', element_id: 2, sequence_number: 2, version_number: 1, comment: 'Second script element.', service_name: 'service_a' },
  { id: '3_1', element_type: 'scene', element_id: 3, sequence_number: 3, version_number: 1, comment: 'Opening scene.', service_name: 'service_b' },
] as const;

/** A running gateway for one test file. */
export interface Harness {
  app: Awaited<ReturnType<typeof buildApp>>;
  backend: SearchBackend;
  dir: string;
  close(): Promise<void>;
}

/** Options for {@link buildHarness}. */
export interface HarnessOptions {
  logger?: Logger;
  bodyLimit?: number;
  maxImportBytes?: number;
  /** Create the fixture collections (default true). */
  fixtures?: boolean;
  /** Run on the typesense backend against this server instead of the embedded engine. */
  typesense?: TypesenseServer;
}

/**
 * Builds the gateway on a fresh embedded backend, with `elements`, `sequence_a` and `story_a` (the
 * seeds' schema, three documents each) and the alias `story_alias -> story_a`.
 */
export async function buildHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-routes-'));
  const ts = opts.typesense;
  const backend = ts
    ? createTypesenseBackend({ nodes: [{ host: ts.host, port: ts.port, protocol: 'http' }], apiKey: ts.apiKey })
    : await createEmbeddedBackend({ dataDir: dir });
  if (opts.fixtures !== false) {
    for (const name of [DEFAULT_COLLECTION, 'sequence_a', 'story_a']) {
      await backend.createCollection(seedCollectionSchema(name));
      await backend.importDocuments(name, FIXTURE_DOCS.map((d) => JSON.stringify(d)).join('\n'), { action: 'create' });
    }
    await backend.upsertAlias('story_alias', 'story_a');
  }
  const app = await buildApp(
    { backend, schemas: new SchemaCache(backend), defaultCollection: DEFAULT_COLLECTION, maxImportBytes: opts.maxImportBytes ?? 1024 * 1024 },
    { keys: KEYS, ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}) },
  );
  await app.ready();
  return {
    app,
    backend,
    dir,
    close: async () => {
      await app.close();
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Headers carrying a key in the default (seed) form. */
export const withKey = (key: string, extra: Record<string, string> = {}): Record<string, string> => ({ 'x-api-key': key, ...extra });

/** The ways a caller may present a key. */
export const KEY_FORMS: Array<{ name: string; headers: (key: string) => Record<string, string> }> = [
  { name: 'X-API-KEY', headers: (k) => ({ 'X-API-KEY': k }) },
  { name: 'X-TYPESENSE-API-KEY', headers: (k) => ({ 'X-TYPESENSE-API-KEY': k }) },
  { name: 'Authorization: Bearer', headers: (k) => ({ Authorization: `Bearer ${k}` }) },
];

/** A 400 envelope whose message or details name `field`. */
export function expectValidation(res: LightMyRequestResponse, field: string): { message: string; details: unknown } {
  const body = expectEnvelope(res, 'VALIDATION_ERROR');
  expect(`${body.message} ${JSON.stringify(body.details)}`).toContain(field);
  return body;
}

let counter = 0;
/** A fresh number for unique names. */
export const fresh = (): number => ++counter;

/** One gateway route, with a valid sample request and what it needs. */
export interface RouteCase {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route pattern, as in /docs and the metrics. */
  route: string;
  /** The concrete url of the n-th call (unique names keep repeated calls valid). */
  url: (n: number) => string;
  /** A valid JSON body (object routes) or text body (import). */
  body?: (n: number) => unknown;
  text?: boolean;
  /** The action the route checks, and the collection (or alias) it touches. */
  action: string;
  collection?: string;
  /** Whether unknown body fields are refused (closed schema), with a sample of a valid body to extend. */
  closedBody?: boolean;
  /** The status of a success. */
  ok: number;
  /** Makes the n-th call valid (e.g. creates what it deletes). */
  setup?: (h: Harness, n: number) => Promise<void>;
}

const doc = (id: string) => ({ ...FIXTURE_DOCS[0], id });

/** Every authenticated gateway route. Targets are outside `sequence_*`, so the sequence key is refused. */
export const ROUTES: RouteCase[] = [
  {
    method: 'POST',
    route: '/documents/sync',
    url: () => '/documents/sync',
    body: (n) => ({ operation: 'create', document: doc(`sync_${n}`) }),
    action: 'documents:upsert',
    collection: DEFAULT_COLLECTION,
    closedBody: true,
    ok: 200,
  },
  {
    method: 'POST',
    route: '/search',
    url: () => '/search',
    body: () => ({ q: 'script', query_by: 'element_type', filter_by: null, sort_by: 'sequence_number:asc', max_hits: 10 }),
    action: 'documents:search',
    collection: DEFAULT_COLLECTION,
    closedBody: true,
    ok: 200,
  },
  {
    method: 'POST',
    route: '/collections',
    url: () => '/collections',
    body: (n) => seedCollectionSchema(`story_new_${n}`),
    action: 'collections:create',
    collection: 'story_new_0',
    ok: 201,
  },
  { method: 'GET', route: '/collections', url: () => '/collections', action: 'collections:list', ok: 200 },
  { method: 'GET', route: '/collections/:name', url: () => '/collections/story_a', action: 'collections:get', collection: 'story_a', ok: 200 },
  {
    method: 'PATCH',
    route: '/collections/:name',
    url: () => '/collections/story_a',
    body: (n) => ({ fields: [{ name: `extra_${n}`, type: 'string', optional: true }] }),
    action: 'collections:update',
    collection: 'story_a',
    closedBody: true,
    ok: 200,
  },
  {
    method: 'DELETE',
    route: '/collections/:name',
    url: (n) => `/collections/story_del_${n}`,
    action: 'collections:delete',
    collection: 'story_del',
    ok: 200,
    setup: async (h, n) => {
      await h.backend.createCollection(seedCollectionSchema(`story_del_${n}`));
    },
  },
  {
    method: 'POST',
    route: '/collections/:collection/documents',
    url: () => '/collections/story_a/documents',
    body: (n) => doc(`new_${n}`),
    action: 'documents:create',
    collection: 'story_a',
    ok: 201,
  },
  {
    method: 'POST',
    route: '/collections/:collection/documents/import',
    url: () => '/collections/story_a/documents/import',
    body: (n) => `${JSON.stringify(doc(`imp_${n}_a`))}\n${JSON.stringify(doc(`imp_${n}_b`))}`,
    text: true,
    action: 'documents:import',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'GET',
    route: '/collections/:collection/documents/export',
    url: () => '/collections/story_a/documents/export',
    action: 'documents:export',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'DELETE',
    route: '/collections/:collection/documents',
    url: () => `/collections/story_a/documents?filter_by=${encodeURIComponent('element_id:=999')}`,
    action: 'documents:delete',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'GET',
    route: '/collections/:collection/documents/:id',
    url: () => '/collections/story_a/documents/1_1',
    action: 'documents:get',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'PATCH',
    route: '/collections/:collection/documents/:id',
    url: () => '/collections/story_a/documents/1_1',
    body: (n) => ({ comment: `edited ${n}` }),
    action: 'documents:update',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'DELETE',
    route: '/collections/:collection/documents/:id',
    url: (n) => `/collections/story_a/documents/del_${n}`,
    action: 'documents:delete',
    collection: 'story_a',
    ok: 200,
    setup: async (h, n) => {
      await h.backend.writeDocument('story_a', doc(`del_${n}`), 'create');
    },
  },
  {
    method: 'GET',
    route: '/collections/:collection/documents/search',
    url: () => '/collections/story_a/documents/search?q=*&query_by=comment',
    action: 'documents:search',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'POST',
    route: '/multi_search',
    url: () => '/multi_search',
    body: () => ({ searches: [{ collection: 'story_a', q: '*', query_by: 'comment' }] }),
    action: 'documents:search',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'PUT',
    route: '/aliases/:name',
    url: (n) => `/aliases/story_alias_${n}`,
    body: () => ({ collection_name: 'story_a' }),
    action: 'aliases:create',
    collection: 'story_alias_0',
    closedBody: true,
    ok: 200,
  },
  { method: 'GET', route: '/aliases', url: () => '/aliases', action: 'aliases:list', ok: 200 },
  { method: 'GET', route: '/aliases/:name', url: () => '/aliases/story_alias', action: 'aliases:get', collection: 'story_alias', ok: 200 },
  {
    method: 'DELETE',
    route: '/aliases/:name',
    url: (n) => `/aliases/story_alias_del_${n}`,
    action: 'aliases:delete',
    collection: 'story_alias_del',
    ok: 200,
    setup: async (h, n) => {
      await h.backend.upsertAlias(`story_alias_del_${n}`, 'story_a');
    },
  },
];

/** Sends the n-th sample request of a route with the given headers (body overridable). */
export async function send(
  h: Harness,
  route: RouteCase,
  headers: Record<string, string>,
  opts: { n?: number; rawBody?: string; contentType?: string; body?: unknown } = {},
): Promise<LightMyRequestResponse> {
  const n = opts.n ?? fresh();
  const req: InjectOptions = { method: route.method, url: route.url(n), headers: { ...headers } };
  const body = opts.body !== undefined ? opts.body : route.body?.(n);
  if (opts.rawBody !== undefined) {
    req.payload = opts.rawBody;
    req.headers = { ...req.headers, 'content-type': opts.contentType ?? 'application/json' };
  } else if (body !== undefined) {
    req.payload = route.text ? (body as string) : JSON.stringify(body);
    req.headers = { ...req.headers, 'content-type': route.text ? 'text/plain' : 'application/json' };
  }
  return h.app.inject(req);
}

/**
 * The common rules every route obeys: no key or a wrong key is 401; every key form works; a key without
 * the action or the collection is 403 naming the action; a malformed JSON body and unknown fields of a
 * closed body are 400. Every error is the exact envelope, never a 500.
 */
export async function checkCommonRules(h: Harness, route: RouteCase): Promise<void> {
  const label = `${route.method} ${route.route}`;

  // No key, and a wrong key: the same 401.
  for (const headers of [{}, withKey('not-a-key'), { authorization: 'Bearer not-a-key' }, { authorization: 'Basic Zm9vOmJhcg==' }]) {
    const res = await send(h, route, headers);
    const body = expectEnvelope(res, 'UNAUTHORIZED');
    expect(body.message, label).toBe('Invalid or missing API Key');
  }

  // Every key form works.
  for (const form of KEY_FORMS) {
    const n = fresh();
    await route.setup?.(h, n);
    const res = await send(h, route, form.headers(KEY.full), { n });
    expect(res.statusCode, `${label} with ${form.name}: ${res.body}`).toBe(route.ok);
  }

  // A key without the action (search-only), and a key without the collection (sequence_*).
  const refusers: Array<{ id: string; key: string }> = [];
  if (route.action !== 'documents:search') refusers.push({ id: 'search-only', key: KEY.search });
  if (route.collection !== undefined && !route.collection.startsWith('sequence_')) refusers.push({ id: 'sequence', key: KEY.sequence });
  expect(refusers.length, `${label}: some key must be refused`).toBeGreaterThan(0);
  for (const { id, key } of refusers) {
    const n = fresh();
    await route.setup?.(h, n);
    const res = await send(h, route, withKey(key), { n });
    const body = expectEnvelope(res, 'FORBIDDEN');
    expect(body.message, label).toContain(`'${route.action}'`);
    expect(body.message, label).toContain(`'${id}'`);
    expect(body.message, label).not.toContain(key);
    expect((body.details as { action: string }).action).toBe(route.action);
  }

  if (route.body !== undefined && !route.text) {
    // Malformed JSON, and a JSON body that isn't an object. (A JSONL import reports a malformed line
    // in its own result line, in a 200, as Typesense does.)
    for (const raw of ['{"q": "x",', '{', 'nope']) {
      const res = await send(h, route, withKey(KEY.full), { rawBody: raw });
      expectEnvelope(res, 'VALIDATION_ERROR');
    }
  }

  if (route.body !== undefined) {
    // Any well-formed JSON of the wrong shape is a 4xx envelope (or, where it happens to be valid, a
    // success), never a 500.
    for (const body of [[], 1, 'text', true, {}, { id: {} }, { fields: 'x', searches: {}, q: [], operation: {} }, [[{}]]]) {
      const res = await send(h, route, withKey(KEY.full), { rawBody: JSON.stringify(body) });
      expect(res.statusCode, `${label} with ${JSON.stringify(body)}: ${res.body}`).toBeLessThan(500);
      if (res.statusCode >= 400) expectEnvelope(res, res.json<{ errorCode: ErrorCode }>().errorCode);
    }
  }

  // Path parameters with characters a name can't have are a 4xx envelope.
  if (route.route.includes(':')) {
    for (const bad of ['%00x', 'a%0Ab', '%E0%A4%A']) {
      const url = route.url(fresh()).replace(/^(\/[^/]+\/)[^/?]+/, `$1${bad}`);
      const res = await h.app.inject({ method: route.method, url, headers: withKey(KEY.full) });
      expect(res.statusCode, `${label} at ${url}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${label} at ${url}: ${res.body}`).toBeLessThan(500);
      expectEnvelope(res, res.json<{ errorCode: ErrorCode }>().errorCode);
    }
  }

  // `.`, `..`, `%2E%2E`, `%2F`, `\` and a lone surrogate in every name segment (issue 8, item 1).
  if (route.route.includes(':')) await checkPathSegments(h, route);

  if (route.closedBody) {
    const n = fresh();
    const body = { ...(route.body?.(n) as object), surprise_field: 1 };
    const res = await send(h, route, withKey(KEY.full), { n, body });
    expectValidation(res, 'surprise_field');
  }
}
