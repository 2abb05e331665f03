/**
 * Prometheus metrics of capture and relay (DESIGN.md, "Data flow of one change", step 7): outbox depth
 * and age, commit-to-indexed lag, batch sizes, import durations, failures by kind, dead letters.
 * Gauges that describe the database are read from it on each scrape, so they are right even when the
 * relay is stuck.
 */
import type Database from 'better-sqlite3';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The kinds of relay failure: `misconfigured` is a whole-request 401/403/404/500 (an operator problem). */
export type FailureKind = 'transient' | 'permanent' | 'misconfigured';

/** The sync metrics, and their registry so other parts (schema evolution, audit) can add their own. */
export interface SyncMetrics {
  readonly registry: Registry;
  readonly commitToIndexed: Histogram;
  readonly batchSize: Histogram;
  readonly importDuration: Histogram;
  readonly failures: Counter<'kind'>;
  /** Schema changes applied per collection: `patched` (fields added/dropped) or `blue-green` (rebuilt). */
  readonly schemaChanges: Counter<'collection' | 'action'>;
  /** Differences the last audit found per collection and kind (missing, stale, extra). */
  readonly auditDifferences: Gauge<'collection' | 'kind'>;
}

const NAMES = [
  'sync_outbox_depth',
  'sync_outbox_oldest_age_seconds',
  'sync_dead_letters',
  'sync_commit_to_indexed_seconds',
  'sync_batch_size',
  'sync_import_duration_seconds',
  'sync_failures_total',
  'sync_schema_changes_total',
  'sync_audit_differences',
] as const;

/**
 * Registers the sync metrics into `registry`, reading the gauges from `db` (any connection to the
 * service's database; the relay's own is the natural one). Registering again into the same registry
 * (a restart of sync in one process) replaces the earlier metrics.
 *
 * @example
 *   const metrics = createSyncMetrics(app.metricsRegistry, { db: relayDb });
 */
export function createSyncMetrics(registry: Registry, opts: { db?: Database.Database } = {}): SyncMetrics {
  for (const name of NAMES) registry.removeSingleMetric(name);
  const db = opts.db;
  const registers = [registry];
  // Prepared lazily: the tables may not exist yet when the metrics are created.
  const query = <T>(sql: string): (() => T | undefined) => {
    let stmt: Database.Statement | undefined;
    return () => {
      if (!db || !db.open) return undefined;
      try {
        stmt ??= db.prepare(sql);
        return stmt.get() as T;
      } catch {
        return undefined;
      }
    };
  };
  const outbox = query<{ depth: number; oldest: number | null }>('SELECT count(*) AS depth, min(created_ms) AS oldest FROM _sync_outbox');
  const deadLetters = query<{ n: number }>('SELECT count(*) AS n FROM sync_errors');

  new Gauge({
    name: 'sync_outbox_depth',
    help: 'Changes captured but not yet indexed (rows in _sync_outbox).',
    registers,
    collect() {
      const r = outbox();
      if (r) this.set(r.depth);
    },
  });
  new Gauge({
    name: 'sync_outbox_oldest_age_seconds',
    help: 'Age of the oldest change waiting in _sync_outbox (0 when empty).',
    registers,
    collect() {
      const r = outbox();
      if (r) this.set(r.oldest === null ? 0 : Math.max(0, (Date.now() - r.oldest) / 1000));
    },
  });
  new Gauge({
    name: 'sync_dead_letters',
    help: 'Documents rejected for good, waiting for a fix and a replay (rows in sync_errors).',
    registers,
    collect() {
      const r = deadLetters();
      if (r) this.set(r.n);
    },
  });
  return {
    registry,
    schemaChanges: new Counter({
      name: 'sync_schema_changes_total',
      help: 'Schema changes applied to a collection: patched (fields added or dropped) or blue-green (rebuilt).',
      labelNames: ['collection', 'action'],
      registers,
    }),
    auditDifferences: new Gauge({
      name: 'sync_audit_differences',
      help: 'Differences between table and index found by the last audit, by kind (missing, stale, extra).',
      labelNames: ['collection', 'kind'],
      registers,
    }),
    commitToIndexed: new Histogram({
      name: 'sync_commit_to_indexed_seconds',
      help: 'From the commit of a change (outbox created_ms) to its acknowledgement by the index.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    batchSize: new Histogram({
      name: 'sync_batch_size',
      help: 'Outbox rows per relay batch.',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 5000],
      registers,
    }),
    importDuration: new Histogram({
      name: 'sync_import_duration_seconds',
      help: 'Duration of one import request to the search backend.',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
      registers,
    }),
    failures: new Counter({
      name: 'sync_failures_total',
      help: 'Relay failures: transient (retried), permanent (dead-lettered documents), misconfigured (retried, logged as errors).',
      labelNames: ['kind'],
      registers,
    }),
  };
}
