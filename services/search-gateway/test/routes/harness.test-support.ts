/**
 * Route-test harness: the real gateway (`buildApp`) on the real embedded backend (or a real Typesense)
 * in a fresh temp dir, keys of different scope, and fixture collections. The route table and the
 * shared route checker's settings are in route-table.test-support.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import type { ApiKey } from '@fountain/kit';
import { createEmbeddedBackend, createTypesenseBackend, type SearchBackend } from '@fountain/search';
import type { TypesenseServer } from '@fountain/testing';
import { buildApp } from '../../src/app.ts';
import { SchemaCache } from '../../src/domain/schema-cache.ts';
import { seedCollectionSchema } from '../../src/domain/seed-schema.ts';
import { expectEnvelope, expectValidation } from '@fountain/testing';

/** The shared envelope assertions (one copy, in @fountain/testing). */
export { expectEnvelope, expectValidation };

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

/**
 * A harness for the calling test file, built before its tests and closed after them, with a request
 * helper that sends the full key (headers merged over it).
 */
export function harnessPerFile(opts: HarnessOptions = {}): { readonly h: Harness; inject(req: InjectOptions): Promise<LightMyRequestResponse> } {
  let h: Harness | undefined;
  beforeAll(async () => {
    h = await buildHarness(opts);
  });
  afterAll(async () => {
    await h?.close();
  });
  const built = (): Harness => {
    if (h === undefined) throw new Error('harnessPerFile: used outside a test');
    return h;
  };
  return {
    get h() {
      return built();
    },
    inject: (req) => built().app.inject({ ...req, headers: { ...withKey(KEY.full), ...(req.headers as Record<string, string> | undefined) } }),
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

let counter = 0;
/** A fresh number for unique names. */
export const fresh = (): number => ++counter;

