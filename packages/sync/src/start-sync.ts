/**
 * startSync: the one call a service makes. It opens sync's own connection to the service's database,
 * installs capture, and runs the relay; the relay, each time it holds the lease, first makes sure every
 * collection exists and is backfilled and in line with its table. Schema changes are picked up at run
 * time. Nothing here ever blocks or fails the service's writes: index trouble only delays indexing.
 */
import Database from 'better-sqlite3';
import type { Registry } from 'prom-client';
import { createTypesenseBackend, type SearchBackend } from '@fountain/search';
import { audit as runAudit, repair, type AuditReport } from './audit.ts';
import { backfill, type BackfillProgress } from './backfill.ts';
import { initialTargets } from './blue-green.ts';
import { enqueueKeys, installCapture } from './capture.ts';
import { ensureCollection, readState, writeState } from './collections.ts';
import type { TableDeclaration } from './declaration.ts';
import { createSyncMetrics, type SyncMetrics } from './metrics.ts';
import { createRelay, type Relay, type RelayOptions, type SyncLogger } from './relay/index.ts';
import { deriveTable, type DerivedTable } from './schema-derive.ts';
import { evolve } from './schema-watch.ts';
import { configureConnection } from './connection.ts';
import { createIndexWaiter, outboxWatermark, type IndexWaitResult } from './index-wait.ts';
import { createAuditRunner } from './audit-runner.ts';
import { deferCheckpoints, startCheckpointer, type Checkpointer } from './checkpoint.ts';

/** Options of {@link startSync}. */
export interface StartSyncOptions {
  /** The service's SQLite file. Sync opens its own connection; the service keeps using its own. */
  database: string;
  /** The synced tables: the service's one declaration. */
  tables: TableDeclaration[];
  /**
   * The Search Gateway and the service's key; sync talks to it with the official typesense client.
   * A function is asked on every request, so a key rotated by the KMS is switched mid-stream.
   */
  gateway?: { url: string; apiKey: string | (() => string) };
  /** Or any backend (the embedded one in-process, for a single-binary setup or tests). */
  backend?: SearchBackend;
  logger?: SyncLogger;
  /** The service's metrics registry (`app.metricsRegistry`); sync adds its metrics to it. */
  registry?: Registry;
  /** Relay tuning (batch size, wait, poll, backoff, lease). */
  relay?: Pick<RelayOptions, 'maxBatch' | 'maxWaitMs' | 'pollMs' | 'dataVersionMs' | 'backoff' | 'leaseMs' | 'probeMs' | 'busyTimeoutMs'>;
  /**
   * Run an audit with repair this often (default 30 minutes; 0 turns it off). An audit with repair
   * also runs after every outage the relay recovers from: Typesense 0.24.1 can lose writes it had
   * acknowledged when it is killed (seen in our outage test), and only an audit can find those.
   */
  auditIntervalMs?: number;
  /**
   * WAL checkpoints on a worker thread instead of inside commits (checkpoint.ts), every `intervalMs`
   * (default 100). On by default; `false` leaves them to SQLite's automatic checkpoint. The service
   * calls `deferCheckpoints(db)` on its own connection to leave its checkpoints to it as well.
   */
  checkpoint?: { intervalMs?: number } | false;
  /** Progress of initial backfills and rebuilds (e.g. a CLI progress bar). */
  onProgress?: (table: string, p: BackfillProgress) => void;
}

/** A running sync. */
export interface Sync {
  /** Sync's own connection (for the admin routes and status). */
  readonly db: Database.Database;
  readonly relay: Relay;
  readonly backend: SearchBackend;
  /** The metrics, once a registry was given (`registry` here, or `useRegistry`). */
  readonly metrics: SyncMetrics | undefined;
  /**
   * Creates sync's metrics in `registry` and records into them from now on: how an app built after
   * sync started (the service's own registry) gets them without copying (`syncPlugin` calls it).
   */
  useRegistry(registry: Registry): SyncMetrics;
  /** The tables as currently derived (they change with the schema). */
  tables(): DerivedTable[];
  /** Wakes the relay at once; optional, commits from any connection are noticed within milliseconds. */
  notify(): void;
  /** Resolves once every captured change is indexed (or dead-lettered); rejects after the timeout. */
  drain(timeoutMs?: number): Promise<void>;
  /**
   * Waits until every change up to `watermark` (from `outboxWatermark(db)`, read at the end of the
   * writer's transaction) is indexed or dead-lettered, for at most `timeoutMs`: opt-in
   * read-your-writes. With `since` (`outboxWatermark(db)` read at the start of that transaction), a
   * change of the write the index rejected for good answers `rejected` instead of `ok`.
   */
  waitForIndexed(watermark: number, timeoutMs: number, since?: number): Promise<IndexWaitResult>;
  /** Compares every row with its document; with `repair`, re-enqueues the differences. */
  audit(opts?: { repair?: boolean }): Promise<AuditReport[]>;
  /** The background WAL checkpointer, when on. */
  readonly checkpointer: Checkpointer | null;
  /** Stops the relay after its in-flight batch and closes sync's connection. */
  stop(): Promise<void>;
}

const SILENT: SyncLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** Parses the gateway URL into the node the official client takes. */
function gatewayNode(url: string): { host: string; port: number; protocol: 'http' | 'https' } {
  const u = new URL(url);
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  return { host: u.hostname, port: u.port ? Number(u.port) : protocol === 'https' ? 443 : 80, protocol };
}

/**
 * The relay's probe of the gateway: its `/ready` (no key needed) answers 200 only when the backend
 * behind it answers. One cheap GET, bounded to a second.
 */
export function gatewayReadyProbe(url: string): () => Promise<boolean> {
  const ready = new URL('/ready', url).toString();
  return async () => {
    try {
      const res = await fetch(ready, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  };
}

/**
 * Starts sync for a service's tables.
 *
 * @example
 *   const sync = await startSync({
 *     database: './data/sequence.db',
 *     tables: [{ table: 'elements', collection: 'sequence_elements', fields: { element_type: { facet: true } } }],
 *     gateway: { url: 'http://localhost:8001', apiKey: process.env.TYPESENSE_SERVICE_API_KEY! },
 *     registry: app.metricsRegistry,
 *   });
 */
export async function startSync(opts: StartSyncOptions): Promise<Sync> {
  if (!opts.backend && !opts.gateway) throw new Error('startSync: give `gateway` (url and key) or a `backend`');
  const logger = opts.logger ?? SILENT;
  const db = new Database(opts.database);
  configureConnection(db);
  const checkpointer = opts.checkpoint === false ? null : startCheckpointer({ database: opts.database, logger, ...opts.checkpoint });
  if (checkpointer) deferCheckpoints(db);
  let derived: DerivedTable[];
  try {
    derived = opts.tables.map((t) => deriveTable(db, t));
    installCapture(db, derived);
  } catch (err) {
    await checkpointer?.stop();
    db.close();
    throw err;
  }
  const ownsBackend = !opts.backend;
  const backend =
    opts.backend ?? createTypesenseBackend({
      nodes: [gatewayNode(opts.gateway!.url)],
      apiKey: opts.gateway!.apiKey,
      // The client logs every retried request; the relay already logs each failed batch once.
      logger: { warn: (m) => logger.debug({}, m), error: (m) => logger.error({}, m), debug: (m) => logger.debug({}, m) },
    });
  let metrics = opts.registry ? createSyncMetrics(opts.registry, { db }) : undefined;
  const declOf = (table: string): TableDeclaration => opts.tables.find((t) => t.table === table)!;

  // Rebuild targets survive restarts through _sync_state (blue-green.ts).
  const targets = new Map(derived.map((d) => [d.decl.table, initialTargets(db, d)]));

  /** Backfills a physical collection once (resumable through its checkpoint), marked in _sync_state. */
  const initialBackfill = async (d: DerivedTable, physical: string): Promise<void> => {
    const key = `backfilled:${physical}`;
    if (readState<boolean>(db, key)) return;
    const r = await backfill({
      db,
      derived: d,
      backend,
      collection: physical,
      ...(opts.onProgress && { onProgress: (p: BackfillProgress) => opts.onProgress!(d.decl.table, p) }),
    });
    if (r.failed > 0) {
      // Rejected rows are not dropped: an audit finds every one of them (the result keeps only a
      // sample), and repair hands them to the relay, which dead-letters them with their errors.
      const report = await runAudit({ db, derived: d, backend, collection: physical });
      repair(report, { derived: d, enqueue: (keys) => enqueueKeys(db, d, keys) });
    }
    writeState(db, key, true);
    logger.info({ collection: d.decl.collection, physical, sent: r.sent, failed: r.failed }, 'sync: initial backfill done');
  };

  /** Brings one table's collection in line: exists, backfilled, schema current (PATCH or rebuild). */
  const settle = async (table: string): Promise<void> => {
    const decl = declOf(table);
    const d = deriveTable(db, decl);
    const { physical } = await ensureCollection(backend, db, d);
    await initialBackfill(d, physical);
    const r = await evolve(backend, db, decl, {
      // The relay's collectionOf reads this map: the next batch goes to the new targets.
      setTargets: (t, names) => void targets.set(t, names),
      // Setup and schema changes already run between batches (see below): nothing else to wait for.
      runExclusive: (fn) => fn(),
      ...(opts.onProgress && { onProgress: (p: BackfillProgress) => opts.onProgress!(table, p) }),
    });
    if (r.action !== 'none') {
      metrics?.schemaChanges.inc({ collection: decl.collection, action: r.action });
      logger.info({ collection: decl.collection, action: r.action, added: r.details.added, dropped: r.details.dropped, reasons: r.details.reasons }, 'sync: schema change applied');
    }
  };

  /**
   * The relay's setup, each time it takes the lease and again after every schema change (SPEC.md,
   * R9 and R10): derive again, re-install triggers, bring every collection in line. The relay derives
   * its own tables again after it (it knows the schema version it ran under).
   */
  const setup = async (): Promise<void> => {
    derived = opts.tables.map((t) => deriveTable(db, t));
    installCapture(db, derived);
    for (const d of derived) await settle(d.decl.table);
  };

  let onRecovered = (): void => undefined;

  const relay: Relay = createRelay({
    db,
    tables: derived,
    backend,
    collectionOf: (d) => targets.get(d.decl.table) ?? [d.decl.collection],
    logger,
    ...(metrics && { metrics }),
    // After an outage the relay retries as soon as the gateway's backend answers again, not when its
    // backoff (up to 30 s) runs out (docs/sync.md, "Recovery after an outage").
    ...(opts.gateway && !opts.backend && { probe: gatewayReadyProbe(opts.gateway.url) }),
    ...opts.relay,
    // Setup runs again before the next batch after a schema change, so rows read with new columns
    // are sent only once the collection has their fields. Any ALTER, from any connection, also
    // changes data_version, which wakes the relay.
    onLockAcquired: setup,
    onRecovered: () => onRecovered(),
  });

  const auditAll = async (doRepair: boolean): Promise<AuditReport[]> => {
    const reports: AuditReport[] = [];
    for (const d of derived) {
      const report = await runAudit({ db, derived: d, backend, collection: d.decl.collection });
      for (const kind of ['missing', 'stale', 'extra'] as const) {
        metrics?.auditDifferences.set({ collection: d.decl.collection, kind }, report[kind].count);
      }
      if (doRepair) {
        repair(report, { derived: d, enqueue: (keys) => enqueueKeys(db, d, keys) });
        relay.notify();
      }
      reports.push(report);
    }
    return reports;
  };
  // Audits with repair: periodic, and after each recovery from an outage (audit-runner.ts).
  const waitForIndexed = createIndexWaiter(db, relay);
  const audits = createAuditRunner({
    async auditWithRepair() {
      const reports = await auditAll(true);
      return reports.reduce((n, r) => n + r.missing.count + r.stale.count + r.extra.count, 0);
    },
    settle: async (timeoutMs) => void (await waitForIndexed(outboxWatermark(db), timeoutMs)),
    logger,
    intervalMs: opts.auditIntervalMs ?? 30 * 60_000,
  });
  onRecovered = () => audits.request('recovered from an outage');

  relay.start();
  return {
    db,
    relay,
    backend,
    get metrics() {
      return metrics;
    },
    useRegistry(registry) {
      metrics = createSyncMetrics(registry, { db });
      relay.setMetrics(metrics);
      return metrics;
    },
    tables: () => derived,
    notify: () => relay.notify(),
    drain: (timeoutMs) => relay.drain(timeoutMs),
    waitForIndexed,
    checkpointer,
    audit: (o) => auditAll(o?.repair ?? false),
    async stop() {
      await audits.stop();
      await relay.stop();
      if (ownsBackend) await backend.close();
      await checkpointer?.stop();
      db.close();
    },
  };
}
