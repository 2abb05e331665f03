/**
 * WAL checkpoints off the request path. SQLite's automatic checkpoint runs inside the COMMIT that
 * pushes the WAL past `wal_autocheckpoint` pages (default 1000): that commit copies the WAL into the
 * database and fsyncs it, about 30 ms on our machines every ~200 service writes, and with
 * better-sqlite3 the whole event loop waits for it (the service's requests and the in-process relay
 * alike). Measured with `bench:api`, it was most of the p99 of POST /sequence.
 *
 * So sync runs the checkpoints on a worker thread with its own connection: a PASSIVE checkpoint every
 * `intervalMs` (it never waits for or blocks readers and writers; with nothing new in the WAL it is a
 * read of the WAL index). The connections of the process raise `wal_autocheckpoint` to a safety net
 * ({@link deferCheckpoints}): should the worker fall behind or die, a commit still checkpoints, as
 * before, once the WAL reaches that size. `journal_size_limit` truncates a WAL that grew past it once
 * it is reset, so a burst doesn't leave a large file behind.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { SyncLogger } from './relay/index.ts';

/** `wal_autocheckpoint` while the background checkpointer runs: 16384 pages (64 MiB at 4 KiB pages). */
export const SAFETY_NET_AUTOCHECKPOINT_PAGES = 16_384;
/** The WAL file is truncated back to this once it is reset (bytes). */
export const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Leaves checkpoints to the background checkpointer on one connection: call it on each connection the
 * service writes with (startSync does it on its own). Without it a connection still works; its commits
 * just checkpoint by themselves at the default 1000 pages.
 *
 * @example
 *   const db = new Database(path);
 *   db.pragma('journal_mode = WAL');
 *   deferCheckpoints(db);
 */
export function deferCheckpoints(db: Database.Database): void {
  db.pragma(`wal_autocheckpoint = ${SAFETY_NET_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
}

/** What the checkpointer did so far. */
export interface CheckpointStats {
  /** Checkpoints that copied at least one frame. */
  checkpoints: number;
  /** Frames copied into the database in total. */
  framesCheckpointed: number;
  /** Checkpoints that failed (logged); the next one runs as usual. */
  failures: number;
  /** WAL frames at the last checkpoint. */
  lastWalFrames: number;
  /** Frames of the WAL not yet in the database file at the last checkpoint (0: caught up). */
  walFramesPending: number;
}

/** A running background checkpointer. */
export interface Checkpointer {
  stats(): CheckpointStats;
  /** Runs one more checkpoint, stops the worker and closes its connection. */
  stop(): Promise<void>;
}

/** Options of {@link startCheckpointer}. */
export interface CheckpointerOptions {
  /** The SQLite file (in WAL mode). */
  database: string;
  /** How often to checkpoint (default 100 ms). */
  intervalMs?: number;
  logger: SyncLogger;
}

// The worker's code, plain CommonJS so it runs the same under tsx, in tests and from compiled output.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { openSync, readSync, closeSync } = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.database);
db.pragma('busy_timeout = 0');
// Bytes 12-19 of the WAL header: the checkpoint sequence number and salt-1, both new each time a
// writer restarts the WAL from its beginning ('' when there is no WAL file).
const walGeneration = () => {
  let fd;
  try {
    fd = openSync(workerData.database + '-wal', 'r');
    const b = Buffer.alloc(8);
    return readSync(fd, b, 0, 8, 12) === 8 ? b.toString('hex') : '';
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
};
const checkpoint = () => {
  try {
    const before = walGeneration();
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    const after = walGeneration();
    // A restart during the checkpoint leaves it unknown which WAL the answer describes: null.
    parentPort.postMessage({ ok: true, busy: r.busy, log: r.log, checkpointed: r.checkpointed, generation: before === after ? after : null });
  } catch (err) {
    parentPort.postMessage({ ok: false, error: String(err && err.message || err) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
`;

type WorkerMessage =
  | { ok: true; busy: number; log: number; checkpointed: number; generation: string | null }
  | { ok: false; error: string }
  | { stopped: true };

/**
 * Starts the checkpointer of one database file on a worker thread.
 *
 * @example
 *   const cp = startCheckpointer({ database: './data/sequence.db', logger });
 *   ...
 *   await cp.stop();
 */
export function startCheckpointer(opts: CheckpointerOptions): Checkpointer {
  const stats: CheckpointStats = { checkpoints: 0, framesCheckpointed: 0, failures: 0, lastWalFrames: 0, walFramesPending: 0 };
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { database: opts.database, driver, intervalMs: opts.intervalMs ?? 100 },
    // Not a TypeScript file: no loader needed in the worker.
    execArgv: [],
  });
  // The worker never keeps the process alive on its own.
  worker.unref();
  let lastLog = 0;
  let lastGeneration: string | null = null;
  let stopped: (() => void) | null = null;
  let lastError = '';
  worker.on('message', (m: WorkerMessage) => {
    if ('stopped' in m) return stopped?.();
    if (!m.ok) {
      stats.failures++;
      // One line per distinct error, not one every interval.
      if (m.error !== lastError) opts.logger.warn({ err: m.error }, 'sync: background WAL checkpoint failed; retrying');
      lastError = m.error;
      return;
    }
    lastError = '';
    stats.lastWalFrames = m.log;
    stats.walFramesPending = Math.max(0, m.log - m.checkpointed);
    // `checkpointed` counts the frames of the current WAL copied so far; it restarts at 0 with the
    // WAL. A writer may restart the WAL and write as many frames again between two checkpoints, so a
    // count no lower than the last one doesn't tell a restart: the WAL header's generation does.
    const sameWal = m.generation !== null && m.generation === lastGeneration && m.checkpointed >= lastLog;
    const copied = sameWal ? m.checkpointed - lastLog : m.checkpointed;
    lastGeneration = m.generation;
    if (copied > 0) {
      stats.checkpoints++;
      stats.framesCheckpointed += copied;
    }
    lastLog = m.checkpointed;
  });
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      exited = true;
      if (stopped === null) {
        opts.logger.error({ code }, 'sync: the background WAL checkpointer stopped; commits checkpoint by themselves past the safety net');
      }
      stopped?.();
      resolve();
    }),
  );
  worker.on('error', (err) => opts.logger.error({ err }, 'sync: the background WAL checkpointer failed'));

  return {
    stats: () => ({ ...stats }),
    async stop() {
      if (exited) return;
      const done = new Promise<void>((resolve) => (stopped = resolve));
      worker.postMessage('stop');
      await Promise.race([done, exit]);
      await worker.terminate();
    },
  };
}
