/**
 * The relay loop (docs/sync.md, "Relay"): wake, read a batch, send it, acknowledge it; on a transient
 * failure back off and do it all again, forever. Batches are strictly sequential and exclusive jobs
 * run only between them, so an older state of a document can never land after a newer one.
 *
 * Read-ahead: while a full batch is in flight (a backlog), the next one is read from the outbox rows
 * after it. It is read later than the batch in flight, so its rows are at least as new, and it is sent
 * only after that batch went through whole; anything else (a retry, a dead letter, a lost lease, a job,
 * new tables) drops it, and the outbox is read again from the start.
 */
import { ensureSyncTables } from '../capture.ts';
import { isBusy } from '../write-lock.ts';
import { createLock } from '../lock.ts';
import { deriveTable, type DerivedTable } from '../schema-derive.ts';
import { createAcknowledge } from './acknowledge.ts';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.ts';
import { createBatchReader, type Batch, type BatchReader } from './read-batch.ts';
import { classifyRequestError, sendBatch } from './send.ts';
import type { Relay, RelayOptions, RelayStats, SyncLogger } from './types.ts';

const SILENT: SyncLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * How far a probe that says "ready" while sends still fail can push the retries: the part of each
 * backoff during which the probe is ignored doubles after every such retry, up to this.
 */
const PROBE_GAP_MAX_MS = 5000;

interface Job {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

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
  // Replaceable: a service's app creates sync's metrics in its own registry after sync started (plugin.ts).
  let metrics = opts.metrics;
  const maxBatch = opts.maxBatch ?? 1000;
  const maxWaitMs = opts.maxWaitMs ?? 5;
  const pollMs = opts.pollMs ?? 500;
  const dataVersionMs = opts.dataVersionMs ?? 2;
  const backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
  const probeMs = opts.probeMs ?? 250;
  // Per-table overrides from setTargets (blue/green), else the caller's collectionOf, else the alias.
  const overrides = new Map<string, string[]>();
  const baseCollectionOf = opts.collectionOf ?? ((t: DerivedTable) => [t.decl.collection]);
  const collectionOf = (t: DerivedTable): string[] => overrides.get(t.decl.table) ?? baseCollectionOf(t);

  // The relay's own connection: WAL so readers never block the service's writers, a busy timeout so
  // its short write transactions wait for theirs, and NORMAL sync (safe in WAL: a crash may lose the
  // last acks, which only means re-sending idempotent upserts).
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.transaction(() => ensureSyncTables(db)).immediate();
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);

  let tables = opts.tables;
  let reader: BatchReader = createBatchReader(db, tables);
  const schemaVersionStmt = db.prepare('PRAGMA schema_version').pluck();
  // The schema version the tables were derived under; a batch read under another one isn't sent.
  let tablesSchemaVersion = schemaVersionStmt.get() as number;
  const lock = createLock(db, {
    leaseMs: opts.leaseMs,
    onLost: () => {
      holdsLock = false;
      logger.error({ owner: lock.owner }, 'sync relay: lost the _sync_lock lease (stalled past it); another relay took over');
    },
  });
  const acknowledge = createAcknowledge(db, () => lock.isHeld());
  /** Takes the lease if it can; a database busy past busy_timeout is "not now", like a held lease. */
  const tryAcquire = (): boolean => {
    try {
      return lock.tryAcquire();
    } catch (err) {
      if (isBusy(err)) return false;
      throw err;
    }
  };
  const dataVersion = db.prepare('PRAGMA data_version').pluck();

  const stats: RelayStats = {
    state: 'stopped',
    holdsLock: false,
    batches: 0,
    rowsAcked: 0,
    upserted: 0,
    deleted: 0,
    deadLettered: 0,
    transientFailures: 0,
    misconfiguredFailures: 0,
    attempt: 0,
    probeWakes: 0,
    lastError: null,
    lastBatchAtMs: null,
  };
  let running = false;
  let holdsLock = false;
  // Whether onLockAcquired has run since this relay last took the lease.
  let setupDone = false;
  let loopDone: Promise<void> = Promise.resolve();
  let dvTimer: NodeJS.Timeout | null = null;
  let lastDataVersion = 0;
  // Set by every wake source; cleared just before a batch reads the outbox, so a commit that lands
  // while a batch is in flight is never missed.
  let woken = false;
  let wakeUp: (() => void) | null = null;
  const jobs: Job[] = [];
  let inJob = false;
  // Halved on a 413, doubled back after each good batch.
  let batchLimit = maxBatch;
  // The batch read ahead while the previous one was in flight (see the header).
  let readAhead: Batch | null = null;
  // How long into a backoff the probe is ignored (see PROBE_GAP_MAX_MS), and whether the retry that
  // is running now was started by the probe.
  let probeGapMs = probeMs;
  let probeWoke = false;

  const wake = (): void => {
    woken = true;
    const w = wakeUp;
    wakeUp = null;
    w?.();
  };

  /** Sleeps until a wake (or `ms`, or stop); a job or stop always cuts it short. */
  const sleep = (ms: number, wakeOnNotify: boolean): Promise<void> =>
    new Promise((resolve) => {
      if (!running || jobs.length > 0 || (wakeOnNotify && woken)) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        if (wakeUp === onWake) wakeUp = null;
        resolve();
      }
      // A backoff sleep ignores notify() (retrying sooner would only hammer a failing backend) but
      // not stop() or a job.
      const onWake = (): void => (wakeOnNotify || !running || jobs.length > 0 ? done() : void (wakeUp = onWake));
      wakeUp = onWake;
    });

  /**
   * Sleeps out the backoff of the current attempt. When the index was unavailable (`probeable`) and a
   * probe is set, asks it every `probeMs` whether the index answers again and ends the sleep when it
   * does: recovery then takes a probe interval, not what is left of a backoff of up to 30 s.
   */
  const backOff = async (probeable: boolean): Promise<void> => {
    stats.state = 'backoff';
    const delay = backoffDelay(stats.attempt, backoff);
    if (probeWoke) probeGapMs = Math.min(PROBE_GAP_MAX_MS, probeGapMs * 2);
    probeWoke = false;
    if (!opts.probe || !probeable) return sleep(delay, false);
    const started = Date.now();
    const end = started + delay;
    for (;;) {
      const left = end - Date.now();
      if (!running || jobs.length > 0 || left <= 0) return;
      await sleep(Math.min(probeMs, left), false);
      if (!running || jobs.length > 0 || Date.now() >= end || Date.now() - started < probeGapMs) continue;
      if (await opts.probe().catch(() => false)) {
        probeWoke = true;
        stats.probeWakes++;
        logger.info({ attempt: stats.attempt, skippedMs: end - Date.now() }, 'sync relay: the index answers again; retrying now');
        return;
      }
    }
  };

  const runJobs = async (): Promise<void> => {
    while (jobs.length > 0) {
      const job = jobs.shift() as Job;
      readAhead = null;
      inJob = true;
      try {
        job.resolve(await job.fn());
      } catch (err) {
        job.reject(err);
      } finally {
        inJob = false;
      }
    }
  };

  /** Reads the batch after `afterSeq` once the request in flight is on its way; null if that fails. */
  const readNext = async (afterSeq: number): Promise<Batch | null> => {
    await new Promise((r) => setImmediate(r));
    if (!running) return null;
    try {
      woken = false;
      return reader.read(batchLimit, afterSeq);
    } catch {
      // Busy past busy_timeout or the like: the next batch reads the outbox again.
      woken = true;
      return null;
    }
  };

  /**
   * One batch; answers whether to back off, whether it read anything, and whether the failure was the
   * index being unavailable (so the probe may end the backoff).
   */
  const runBatch = async (): Promise<{ retry: boolean; rows: number; probeable?: boolean }> => {
    let batch = readAhead;
    readAhead = null;
    if (batch === null) {
      woken = false;
      batch = reader.read(batchLimit);
    }
    if (batch.schemaVersion !== tablesSchemaVersion) {
      // The schema changed after the tables were derived: rows may have new columns the collection
      // doesn't know yet. Apply the change first (beforeBatch), or at least derive again, then re-read.
      if (!opts.beforeBatch) {
        tablesSchemaVersion = batch.schemaVersion;
        reader = createBatchReader(db, (tables = tables.map((t) => deriveTable(db, t.decl))));
      }
      woken = true;
      return { retry: false, rows: 0 };
    }
    if (batch.rows === 0) return { retry: false, rows: 0 };
    stats.state = 'sending';
    metrics?.batchSize.observe(batch.rows);
    const snapshot = tables;
    const targets = new Map(snapshot.map((t) => [t.decl.table, collectionOf(t)]));
    // The fence before the send (acks are fenced too): a relay that stalled past its lease while a
    // newer one took over must not send what it read before, or it could overwrite newer documents.
    if (!lock.confirm()) {
      holdsLock = false;
      stats.holdsLock = false;
      return { retry: false, rows: 0 };
    }
    const sending = sendBatch(backend, batch.items, (item) => targets.get(item.tbl) ?? [], (s) => metrics?.importDuration.observe(s));
    // Handled here so a failure while the read-ahead runs isn't an unhandled rejection; awaited below.
    sending.catch(() => undefined);
    const next = batch.rows >= batchLimit ? await readNext(batch.maxSeq) : null;
    const sent = await sending;
    const ack = acknowledge(batch, sent.outcomes);
    if (ack.fenced && ack.whole && next !== null && next.rows > 0) readAhead = next;
    if (!ack.fenced) {
      holdsLock = false;
      return { retry: false, rows: batch.rows };
    }
    stats.batches++;
    stats.lastBatchAtMs = Date.now();
    stats.rowsAcked += ack.rowsAcked;
    stats.upserted += sent.upserted;
    stats.deleted += sent.deleted;
    stats.deadLettered += ack.deadLettered;
    const now = Date.now();
    for (const ms of ack.indexedCreatedMs) metrics?.commitToIndexed.observe(Math.max(0, now - ms) / 1000);
    if (ack.deadLettered > 0) {
      metrics?.failures.inc({ kind: 'permanent' }, ack.deadLettered);
      logger.warn({ count: ack.deadLettered }, 'sync relay: documents rejected by the index, moved to sync_errors');
    }
    const f = sent.failure;
    if (f === null) {
      const unsettled = [...sent.outcomes.values()].filter((o) => o.kind === 'retry').length;
      if (unsettled > 0) {
        // Per-document 5xx (a cluster without a leader) or a table with no target collection.
        stats.transientFailures++;
        metrics?.failures.inc({ kind: 'transient' });
        logger.warn({ unsettled }, 'sync relay: some documents were not accepted yet; retrying');
        return { retry: true, rows: batch.rows, probeable: true };
      }
      batchLimit = Math.min(maxBatch, batchLimit * 2);
      return { retry: false, rows: batch.rows };
    }
    stats.lastError = `${f.kind} (${f.collection}): ${f.message}`;
    if (f.kind === 'too-large') {
      const single = batch.items.length <= 1;
      batchLimit = Math.max(1, Math.floor(batchLimit / 2));
      logger.warn({ collection: f.collection, batchLimit }, 'sync relay: request too large; sending smaller batches');
      // A single document too large on its own can never pass: dead-letter it.
      if (single && batch.items[0]) {
        const item = batch.items[0];
        const outcomes = new Map([[item, { kind: 'permanent' as const, collection: f.collection, code: 413, message: f.message }]]);
        const r = acknowledge(batch, outcomes);
        stats.deadLettered += r.deadLettered;
        metrics?.failures.inc({ kind: 'permanent' }, r.deadLettered);
        return { retry: false, rows: batch.rows };
      }
      return { retry: false, rows: batch.rows };
    }
    if (f.kind === 'misconfigured') {
      stats.misconfiguredFailures++;
      metrics?.failures.inc({ kind: 'misconfigured' });
      // Loud: no amount of waiting fixes a wrong key or a missing collection; an operator must.
      logger.error(
        { collection: f.collection, err: f.error, attempt: stats.attempt + 1 },
        'sync relay: the search gateway refused a whole request (wrong service key, missing collection or scope?); retrying with backoff, nothing is dead-lettered',
      );
    } else {
      stats.transientFailures++;
      metrics?.failures.inc({ kind: 'transient' });
      logger.warn({ collection: f.collection, err: f.message, attempt: stats.attempt + 1 }, 'sync relay: search backend unavailable; retrying with backoff');
    }
    return { retry: true, rows: batch.rows, probeable: f.kind === 'transient' };
  };

  const loop = async (): Promise<void> => {
    let lastFull = false;
    while (running) {
      await runJobs();
      if (!running) break;
      if (!holdsLock) {
        holdsLock = tryAcquire();
        stats.holdsLock = holdsLock;
        if (!holdsLock) {
          stats.state = 'waiting-for-lock';
          await sleep(Math.min(pollMs, 1000), false);
          continue;
        }
        logger.info({ owner: lock.owner }, 'sync relay: holding the _sync_lock lease');
        setupDone = opts.onLockAcquired === undefined;
      }
      // Setup after taking the lease, then the per-batch hook (schema changes): both before any send,
      // both retried with backoff on failure, and both exclusive (runExclusive calls inside run at once).
      const hook = !setupDone ? opts.onLockAcquired : opts.beforeBatch;
      if (hook) {
        try {
          if (!setupDone) stats.state = 'setting-up';
          inJob = true;
          await hook();
          setupDone = true;
        } catch (err) {
          stats.attempt++;
          stats.lastError = err instanceof Error ? err.message : String(err);
          logger.warn({ err, attempt: stats.attempt }, 'sync relay: setup or schema change failed; retrying with backoff');
          await backOff(classifyRequestError(err) === 'transient');
          continue;
        } finally {
          inJob = false;
        }
      }
      setupDone = true;
      // Gather: after an idle wake, give a burst of commits a few ms to join the same batch.
      if (!lastFull && maxWaitMs > 0 && stats.attempt === 0) await new Promise((r) => setTimeout(r, maxWaitMs));
      let r: { retry: boolean; rows: number; probeable?: boolean };
      try {
        r = await runBatch();
      } catch (err) {
        // A local failure (the database busy past busy_timeout, a disk error): retry like a transient one.
        stats.lastError = err instanceof Error ? err.message : String(err);
        if (isBusy(err)) logger.warn({ attempt: stats.attempt + 1 }, 'sync relay: the database is busy (another connection holds its write lock); retrying with backoff');
        else logger.error({ err }, 'sync relay: batch failed locally; retrying with backoff');
        r = { retry: true, rows: 0 };
      }
      stats.holdsLock = holdsLock;
      if (r.retry) {
        stats.attempt++;
        await backOff(r.probeable === true);
        continue;
      }
      if (stats.attempt > 0 && r.rows > 0) opts.onRecovered?.();
      stats.attempt = 0;
      probeGapMs = probeMs;
      probeWoke = false;
      lastFull = r.rows >= batchLimit;
      if (r.rows > 0) continue;
      stats.state = 'idle';
      await sleep(pollMs, true);
    }
  };

  const checkDataVersion = (): void => {
    try {
      const v = dataVersion.get() as number;
      if (v !== lastDataVersion) {
        lastDataVersion = v;
        wake();
      }
    } catch {
      // busy or closed: the fallback poll still runs
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      stats.state = 'idle';
      woken = true;
      lastDataVersion = dataVersion.get() as number;
      dvTimer = setInterval(checkDataVersion, dataVersionMs);
      loopDone = loop().catch((err: unknown) => {
        logger.error({ err }, 'sync relay: loop crashed');
      });
    },
    async stop() {
      if (!running) return;
      running = false;
      if (dvTimer) clearInterval(dvTimer);
      dvTimer = null;
      wake();
      await loopDone;
      await runJobs();
      lock.release();
      holdsLock = false;
      stats.holdsLock = false;
      stats.state = 'stopped';
    },
    notify: wake,
    runExclusive<T>(fn: () => T | Promise<T>): Promise<T> {
      if (!running || inJob) return Promise.resolve().then(fn);
      return new Promise<T>((resolve, reject) => {
        jobs.push({ fn, resolve: resolve as (v: unknown) => void, reject });
        wake();
      });
    },
    async drain(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      wake();
      for (;;) {
        const pending = reader.pending();
        if (pending === 0) return;
        if (Date.now() > deadline) {
          throw new Error(`sync: ${pending} change(s) still in the outbox after ${timeoutMs} ms (${stats.state}; last error: ${stats.lastError ?? 'none'})`);
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    },
    setTables(next, schemaVersion) {
      readAhead = null;
      tablesSchemaVersion = schemaVersion ?? (schemaVersionStmt.get() as number);
      tables = next;
      reader = createBatchReader(db, next);
      wake();
    },
    setTargets(table, collections) {
      overrides.set(table, [...collections]);
    },
    stats: () => ({ ...stats }),
    setMetrics(m) {
      metrics = m;
    },
  };
}
