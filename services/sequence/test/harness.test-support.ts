/**
 * Test harness: the real service (`buildApp`) on a fresh SQLite file, with a REAL sync relaying to a
 * REAL search engine (the embedded backend, in-process). Nothing is faked.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { startSync, type Sync } from '@fountain/sync';
import { Registry } from 'prom-client';
import { buildApp } from '../src/app.ts';
import { openStore, type SequenceStore } from '../src/db/store.ts';
import { searchDeclaration } from '../src/domain/search-documents.ts';

export const API_KEY = 'test-sequence-api-key-7d1f';
export const COLLECTION = 'sequence_elements';
export const SERVICE_NAME = 'central_sequence_service';

/** A running service for one test file. */
export interface Harness {
  app: Awaited<ReturnType<typeof buildApp>>;
  store: SequenceStore;
  sync: Sync;
  backend: SearchBackend;
  dir: string;
  dbPath: string;
  close(): Promise<void>;
}

/** Builds the service on a fresh database and a fresh embedded engine. */
export async function buildHarness(opts: { indexWaitMs?: number } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'sequence-'));
  const dbPath = join(dir, 'sequence.db');
  const backend = await createEmbeddedBackend({ dataDir: join(dir, 'search') });
  const store = openStore(dbPath);
  const syncRegistry = new Registry();
  const sync = await startSync({
    database: dbPath,
    tables: [searchDeclaration(COLLECTION, SERVICE_NAME)],
    backend,
    registry: syncRegistry,
    relay: { pollMs: 50, maxWaitMs: 1, backoff: { baseMs: 20, maxMs: 200 } },
    auditIntervalMs: 0,
  });
  const app = await buildApp(
    { store, sync, search: backend, collection: COLLECTION, indexWaitMs: opts.indexWaitMs ?? 5000 },
    { apiKey: API_KEY, syncRegistry },
  );
  await app.ready();
  return {
    app,
    store,
    sync,
    backend,
    dir,
    dbPath,
    close: async () => {
      await app.close();
      await sync.stop();
      store.close();
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** JSON request with the API key. */
export async function call(
  h: Harness,
  method: 'GET' | 'POST' | 'PUT',
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  return h.app.inject({
    method,
    url,
    headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
}
