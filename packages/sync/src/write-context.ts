/**
 * Which outbox seqs a request's writes got, without threading them by hand: the sync plugin opens a
 * per-request context (AsyncLocalStorage) for a request that asks to wait for the index, and
 * `writeTransaction`, the one place a service commits, records the range of seqs its changes got into
 * it. The store, the domain and the route never see a watermark.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import { outboxWatermark } from './index-wait.ts';

/** The outbox range of one committed transaction: its changes got the seqs in (since, watermark]. */
export interface WriteRange {
  since: number;
  watermark: number;
}

const context = new AsyncLocalStorage<WriteRange[]>();

/**
 * Runs `fn` with a fresh write context; every `writeTransaction` committed inside it (and in the
 * async work it starts) adds its range to the array answered with the result.
 *
 * @example
 *   const ranges = []; trackWrites(ranges, () => handler()); // later: wait for ranges
 */
export function trackWrites<T>(ranges: WriteRange[], fn: () => T): T {
  return context.run(ranges, fn);
}

/** The transaction modes of better-sqlite3. */
export type TransactionMode = 'deferred' | 'immediate' | 'exclusive';

/**
 * Runs `fn` in one transaction of `db` (`immediate` by default: a read-then-write transaction must
 * take the write lock first in WAL mode) and answers its result. Called on behalf of a request that
 * waits for the index, it records the outbox range of the commit in that request's context. A nested
 * call is a savepoint of the outer transaction, which records the range of the whole.
 *
 * @example
 *   const store = { create: (c) => writeTransaction(db, () => insert.run(c)) };
 */
export function writeTransaction<T>(db: Database.Database, fn: () => T, mode: TransactionMode = 'immediate'): T {
  const ranges = context.getStore();
  if (ranges === undefined || db.inTransaction) return db.transaction(fn)[mode]();
  let range: WriteRange | undefined;
  const tx = db.transaction(() => {
    const since = outboxWatermark(db);
    const out = fn();
    range = { since, watermark: outboxWatermark(db) };
    return out;
  });
  const result = tx[mode]();
  // Recorded only after the commit: a rolled-back transaction threw above and leaves nothing to wait
  // for. A commit that changed no synced row is recorded too: waiting for its watermark still covers
  // the changes committed before it (the row it read may have been written by another request).
  if (range !== undefined) ranges.push(range);
  return result;
}
