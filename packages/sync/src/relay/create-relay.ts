/**
 * The relay loop: the state machine of SPEC.md, step by step. Wake, take the lease, run setup, read a
 * batch, send it, acknowledge it; on a transient failure back off and do it all again, forever.
 * Batches are strictly sequential and exclusive jobs run only between them, so an older state of a
 * document can never land after a newer one. The pieces each own one concern: the state
 * (state.ts), the lease (lease.ts), the schema version (schema-version.ts), the connection's pragmas
 * (../connection.ts), one batch (run-batch.ts) and what its outcomes mean (settle-batch.ts), the
 * counters (counters.ts), backoff and probe (retry.ts), wakes (wake.ts) and jobs (jobs.ts).
 */
import { ensureSyncTables } from '../capture.ts';
import { configureConnection, setRelayBusyTimeout, SETUP_BUSY_TIMEOUT_MS } from '../connection.ts';
import { deriveTable, type DerivedTable } from '../schema-derive.ts';
import { isBusy } from '../write-lock.ts';
import { createAcknowledge } from './acknowledge.ts';
import { DEFAULT_BACKOFF } from './backoff.ts';
import { createCounters } from './counters.ts';
import { createJobs } from './jobs.ts';
import { createLease } from './lease.ts';
import { createBatchReader, type BatchReader } from './read-batch.ts';
import { createRetry } from './retry.ts';
import { createBatchRunner } from './run-batch.ts';
import { createSchemaVersion } from './schema-version.ts';
import { classifyRequestError } from './send.ts';
import { createBatchLimit, type StepResult } from './settle-batch.ts';
import { createStateCell } from './state.ts';
import type { Relay, RelayOptions, SyncLogger } from './types.ts';
import { createAlarm } from './wake.ts';

const SILENT: SyncLogger = { debug() {}, info() {}, warn() {}, error() {} };

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Creates the relay of one database. Call `start()`; the service keeps writing with its own
 * connection and may call `notify()` after a commit for the lowest latency.
 *
 * @example
 *   const relay = createRelay({ db: new Database(path), tables, backend, logger, metrics });
 *   relay.start();
 *   ...
 *   await relay.stop();
 */
export function createRelay(opts: RelayOptions): Relay {
  const { db, backend } = opts;
  const logger = opts.logger ?? SILENT;
  const maxWaitMs = opts.maxWaitMs ?? 5;
  const pollMs = opts.pollMs ?? 500;
  // Per-table overrides from setTargets (blue/green), else the caller's collectionOf, else the alias.
  const overrides = new Map<string, string[]>();
  const baseCollectionOf = opts.collectionOf ?? ((t: DerivedTable) => [t.decl.collection]);
  const collectionOf = (t: DerivedTable): string[] => overrides.get(t.decl.table) ?? baseCollectionOf(t);

  configureConnection(db);
  db.transaction(() => ensureSyncTables(db)).immediate();
  setRelayBusyTimeout(db, opts.busyTimeoutMs ?? SETUP_BUSY_TIMEOUT_MS);

  let running = false;
  let loopDone: Promise<void> = Promise.resolve();
  const state = createStateCell();
  const schema = createSchemaVersion(db);
  let tables = opts.tables;
  let reader: BatchReader = createBatchReader(db, tables, schema.read);
  const lease = createLease(db, { leaseMs: opts.leaseMs, logger });
  const acknowledge = createAcknowledge(db, lease.fence);
  const counters = createCounters(opts.metrics);
  const limit = createBatchLimit(opts.maxBatch ?? 1000);
  const jobs = createJobs();
  const interrupted = (): boolean => !running || jobs.queued();
  const alarm = createAlarm(db, { dataVersionMs: opts.dataVersionMs ?? 2, interrupted });
  const retry = createRetry({ backoff: { ...DEFAULT_BACKOFF, ...opts.backoff }, probe: opts.probe, probeMs: opts.probeMs ?? 250, alarm, interrupted, logger });
  const batches = createBatchRunner({
    backend,
    reader: () => reader,
    tables: () => tables,
    collectionOf,
    schema,
    lease,
    acknowledge,
    counters,
    limit,
    alarm,
    logger,
    attempt: retry.attempt,
    running: () => running,
    onBatchRead: () => void state.on('batch-read'),
  });

  const setTables = (next: DerivedTable[], version: number): void => {
    batches.dropReadAhead();
    schema.setTablesAt(version);
    tables = next;
    reader = createBatchReader(db, next, schema.read);
  };

  /**
   * Setup (R10, R9): the caller's hook, or, without one, deriving the tables again when the schema
   * moved past them. After the hook, tables it did not replace are derived again when they are older
   * than the schema it ran under, so a batch is never held back by tables nobody re-derives.
   */
  const setup = async (version: number): Promise<void> => {
    const tablesBefore = schema.tablesAt();
    if (opts.onLockAcquired) await opts.onLockAcquired();
    if (schema.tablesAt() === tablesBefore && tablesBefore !== version) setTables(tables.map((t) => deriveTable(db, t.decl)), version);
  };

  /** waiting-for-lock: `lease-acquired`, or `lease-busy` and a sleep. */
  const takeLease = async (): Promise<boolean> => {
    if (lease.acquire()) {
      state.on('lease-acquired');
      schema.setupNeeded();
      return true;
    }
    state.on('lease-busy');
    await alarm.sleep(Math.min(pollMs, 1000), false);
    return false;
  };

  /**
   * Setup when owed, else `beforeBatch`: before any batch, as jobs, retried with backoff on failure.
   * Answers whether a batch may be read now.
   */
  const runHooks = async (): Promise<boolean> => {
    const owed = schema.needsSetup();
    if (!owed && !opts.beforeBatch) return true;
    try {
      if (owed) {
        state.on('setup-owed');
        const version = schema.read();
        await jobs.asJob(() => setup(version));
        schema.setupDone(version);
        state.on('setup-done');
      } else {
        await jobs.asJob(opts.beforeBatch!);
      }
      return true;
    } catch (err) {
      counters.lastError(message(err));
      logger.warn({ err, attempt: retry.attempt() + 1 }, 'sync relay: setup or schema change failed; retrying with backoff');
      state.on(owed ? 'setup-failed' : 'retry');
      await retry.backOff(classifyRequestError(err) === 'transient');
      state.on('backoff-over');
      return false;
    }
  };

  /** One batch; a local failure (the database busy past busy_timeout, a disk error) is a retry too. */
  const runBatch = async (): Promise<StepResult> => {
    try {
      return await batches.run();
    } catch (err) {
      counters.lastError(message(err));
      if (isBusy(err)) logger.warn({ attempt: retry.attempt() + 1 }, 'sync relay: the database is busy (another connection holds its write lock); retrying with backoff');
      else logger.error({ err }, 'sync relay: batch failed locally; retrying with backoff');
      return { kind: 'retry', rows: 0, probeable: false };
    }
  };

  const loop = async (): Promise<void> => {
    let lastFull = false;
    while (running) {
      await jobs.runQueued(batches.dropReadAhead);
      if (!running) break;
      if (!lease.holds() && state.get() !== 'waiting-for-lock') state.on('lease-lost');
      if (!lease.holds() && !(await takeLease())) continue;
      if (!(await runHooks())) continue;
      // Gather: after an idle wake, give a burst of commits a few ms to join the same batch.
      if (!lastFull && maxWaitMs > 0 && retry.attempt() === 0) await new Promise((r) => setTimeout(r, maxWaitMs));
      const r = await runBatch();
      if (r.kind === 'retry') {
        state.on('retry');
        await retry.backOff(r.probeable);
        state.on('backoff-over');
        continue;
      }
      const rows = r.kind === 'done' || r.kind === 'lost' ? r.rows : 0;
      if (retry.reset() > 0 && rows > 0) opts.onRecovered?.();
      lastFull = rows >= limit.get();
      if (r.kind === 'lost') state.on('lease-lost');
      else if (r.kind === 'done') state.on('batch-done');
      else if (r.kind === 'empty') {
        state.on('outbox-empty');
        await alarm.sleep(pollMs, true);
      }
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      state.on('start');
      alarm.start();
      loopDone = loop().catch((err: unknown) => {
        logger.error({ err }, 'sync relay: loop crashed');
      });
    },
    async stop() {
      if (!running) return;
      running = false;
      alarm.stop();
      alarm.wake();
      await loopDone;
      await jobs.runQueued(batches.dropReadAhead);
      lease.release();
      state.on('stop');
    },
    notify: alarm.wake,
    runExclusive<T>(fn: () => T | Promise<T>): Promise<T> {
      if (!running || jobs.running()) return Promise.resolve().then(fn);
      const queued = jobs.enqueue(fn);
      alarm.wake();
      return queued;
    },
    async drain(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      alarm.wake();
      for (;;) {
        const pending = reader.pending();
        if (pending === 0) return;
        if (Date.now() > deadline) {
          throw new Error(`sync: ${pending} change(s) still in the outbox after ${timeoutMs} ms (${state.get()}; last error: ${counters.counts.lastError ?? 'none'})`);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    },
    setTables(next, schemaVersion) {
      setTables(next, schemaVersion ?? schema.read());
      alarm.wake();
    },
    setTargets(table, collections) {
      overrides.set(table, [...collections]);
    },
    stats: () => ({ ...counters.counts, state: state.get(), holdsLock: lease.holds(), attempt: retry.attempt(), probeWakes: retry.probeWakes() }),
    setMetrics: counters.setMetrics,
  };
}
