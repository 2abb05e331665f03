/** Builds a relay over a real SQLite file and a real embedded backend, behind the fault injector. */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Registry } from 'prom-client';
import { createEmbeddedBackend, type SearchBackend } from '@fountain/search';
import { installCapture } from '../capture.ts';
import { createSyncMetrics, type SyncMetrics } from '../metrics.ts';
import { deriveTable, type DerivedTable } from '../schema-derive.ts';
import { createRelay } from './create-relay.ts';
import { injectFaults, openDb, tempDir, type FaultInjector } from './fixtures.test-support.ts';
import type { Relay, RelayOptions, SyncLogger } from './types.ts';

/** One test's world: the service's connection, the relay, the index. */
export interface Harness {
  path: string;
  db: Database.Database;
  relayDb: Database.Database;
  derived: DerivedTable;
  real: SearchBackend;
  faults: FaultInjector;
  relay: Relay;
  registry: Registry;
  metrics: SyncMetrics;
  logs: Array<{ level: string; msg: string | undefined; obj: object }>;
  close(): Promise<void>;
}

/** A logger that keeps every line, for assertions. */
export function recordingLogger(logs: Harness['logs']): SyncLogger {
  const at = (level: string) => (obj: object, msg?: string) => void logs.push({ level, msg, obj });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** The table every relay test uses: `version` is INTEGER, so text in it makes a document the index rejects. */
export const ELEMENTS_DDL = 'CREATE TABLE elements (id INTEGER PRIMARY KEY, title TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT)';

/** Creates the harness; `start: false` leaves the relay stopped. */
export async function createHarness(
  opts: Partial<RelayOptions> & { start?: boolean; backend?: SearchBackend; collection?: string } = {},
): Promise<Harness> {
  const tmp = tempDir('sync-relay-');
  const path = join(tmp.dir, 'app.db');
  const db = openDb(path);
  db.exec(ELEMENTS_DDL);
  const collection = opts.collection ?? 'elements';
  const derived = deriveTable(db, { table: 'elements', collection });
  installCapture(db, [derived]);
  const real = opts.backend ?? (await createEmbeddedBackend({ dataDir: join(tmp.dir, 'search') }));
  await real.createCollection({ name: collection, ...derived.schema });
  const faults = injectFaults(real);
  const relayDb = new Database(path);
  const registry = new Registry();
  const metrics = createSyncMetrics(registry, { db: relayDb });
  const logs: Harness['logs'] = [];
  const relay = createRelay({
    db: relayDb,
    tables: [derived],
    backend: faults.backend,
    metrics,
    logger: recordingLogger(logs),
    backoff: { baseMs: 5, maxMs: 40 },
    ...opts,
  });
  if (opts.start !== false) relay.start();
  return {
    path,
    db,
    relayDb,
    derived,
    real,
    faults,
    relay,
    registry,
    metrics,
    logs,
    async close() {
      await relay.stop();
      relayDb.close();
      db.close();
      if (!opts.backend) await real.close();
      tmp.cleanup();
    },
  };
}

/** Polls until `check` passes (for tests that must not call notify or drain). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
