/**
 * Waiting for the database's write lock without holding the event loop (docs/sequence.md, "A long
 * lock"). better-sqlite3 is synchronous: with SQLite's own `busy_timeout`, a write that finds the
 * lock taken by another process sleeps INSIDE the call, and every request of the service (health,
 * reads, the in-process sync relay) waits with it. So a service's write connection can run with
 * `busy_timeout = 0` and commit through {@link writeTransactionAsync}: a `BEGIN IMMEDIATE` refused
 * for a busy lock is retried on timers, with SQLite's own schedule of pauses, until a deadline; past
 * it the caller gets a retryable 503 and nothing was written.
 */
import type Database from 'better-sqlite3';
import { AppError } from '@fountain/kit';
import { writeTransaction, type TransactionMode } from './write-context.ts';

/** How long a write waits for the lock by default: what `busy_timeout` was (5 s). */
export const DEFAULT_LOCK_WAIT_MS = 5000;

/** Seconds a client is told to wait (`Retry-After`) after the lock wait ran out. */
const BUSY_RETRY_AFTER_S = 1;

// The pauses of SQLite's own busy handler (sqliteDefaultBusyCallback), then 100 ms each.
const PAUSES_MS = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

/** Whether an error is SQLite's "the database is locked" (SQLITE_BUSY and its extended codes). */
export function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * The retryable 503 of a database that stayed locked for `waitedMs`: nothing was written. The closed
 * list of codes has one 503; `details.reason` says it is the database.
 */
export function databaseBusy(waitedMs: number, cause?: unknown): AppError {
  return new AppError(
    'SEARCH_BACKEND_UNAVAILABLE',
    `The database is busy: another connection has held its write lock for more than ${waitedMs} ms. Nothing was written; retry in a moment.`,
    {
      cause,
      retryable: true,
      retryAfterSeconds: BUSY_RETRY_AFTER_S,
      details: { reason: 'database_busy', retryable: true, retryAfterSeconds: BUSY_RETRY_AFTER_S, waitedMs },
    },
  );
}

/**
 * {@link writeTransaction}, waiting on timers while another connection holds the write lock: an
 * attempt refused with SQLITE_BUSY (before anything ran: `BEGIN IMMEDIATE` takes the lock first) is
 * retried after a pause, for up to `waitMs`; then {@link databaseBusy} is thrown. Whatever `fn`
 * throws (a 404, a 409) passes through at once. Only useful on a connection with a short
 * `busy_timeout` (the sequence service's is 0): a long one would wait inside SQLite first.
 *
 * @example
 *   const r = await writeTransactionAsync(db, () => insert.run(row), { waitMs: 5000 });
 */
export async function writeTransactionAsync<T>(
  db: Database.Database,
  fn: () => T,
  opts: { mode?: TransactionMode; waitMs?: number } = {},
): Promise<T> {
  const waitMs = opts.waitMs ?? DEFAULT_LOCK_WAIT_MS;
  const started = Date.now();
  for (let i = 0; ; i++) {
    try {
      return writeTransaction(db, fn, opts.mode ?? 'immediate');
    } catch (err) {
      if (!isBusy(err) || db.inTransaction) throw err;
      const left = waitMs - (Date.now() - started);
      if (left <= 0) throw databaseBusy(waitMs, err);
      await new Promise((r) => setTimeout(r, Math.min(PAUSES_MS[Math.min(i, PAUSES_MS.length - 1)] as number, left)));
    }
  }
}
