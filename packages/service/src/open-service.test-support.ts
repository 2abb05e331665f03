/**
 * A service opened for route tests: its real app, routes, migrations and sync, on a fresh SQLite file,
 * relaying to a real embedded search engine in-process. Nothing is faked.
 */
import { join } from 'node:path';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { tempDir } from '@fountain/testing';
import type { TObject } from 'typebox';
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
