/**
 * Read-your-writes for services that opt in: a service reads the outbox watermark inside its write
 * transaction, and after the commit waits until everything up to it has left the outbox (indexed or
 * dead-lettered). Unlike `drain()`, it doesn't wait for writes committed after its own, so it ends
 * under a steady load of other writers too.
 */
import type Database from 'better-sqlite3';
import type { Relay } from './relay/index.ts';

/**
 * The outbox position now: every change committed so far has a seq at or below it. Read it with the
 * service's own connection INSIDE its write transaction, so it covers exactly that write.
 */
export function outboxWatermark(db: Database.Database): number {
  let stmt = watermarkStmts.get(db);
  if (!stmt) {
    // The last seq handed out (AUTOINCREMENT keeps it in sqlite_sequence, even once the outbox is
    // empty), not MAX(seq) of the rows still there: read at the start of a transaction, it must be
    // below every seq the transaction's own changes get.
    stmt = db.prepare("SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = '_sync_outbox'), 0)").pluck();
    watermarkStmts.set(db, stmt);
  }
  return stmt.get() as number;
}

// One prepared statement per connection (a write request reads the watermark every time).
const watermarkStmts = new WeakMap<Database.Database, Database.Statement>();

/** A document the index rejected for good (it is in `sync_errors`, see `/sync/dead-letters`). */
export interface RejectedDocument {
  collection: string;
  docId: string;
  code: number;
  message: string;
}

/**
 * Searchable; or not within the bound (with the relay's current retry attempt, for the caller); or
 * some of the write's documents were rejected by the index for good.
 */
export type IndexWaitResult =
  | { ok: true }
  | { ok: false; reason: 'timeout'; retryAttempt: number }
  | { ok: false; reason: 'rejected'; rejected: RejectedDocument[] };

/** At most this many rejected documents are named in a result. */
const MAX_REJECTED = 20;

/** Builds `waitForIndexed` over sync's own connection and relay. */
export function createIndexWaiter(db: Database.Database, relay: Pick<Relay, 'notify' | 'stats'>) {
  const pending = db.prepare('SELECT EXISTS (SELECT 1 FROM _sync_outbox WHERE seq <= ?)').pluck();
  // Dead letters whose changes overlap the write's outbox range (since, watermark].
  const rejected = db.prepare(
    `SELECT collection, doc_id AS docId, code, message FROM sync_errors
     WHERE seq_max > ? AND seq_min <= ? ORDER BY seq_min LIMIT ${MAX_REJECTED}`,
  );
  /**
   * Waits until every change up to `watermark` has left the outbox. With `since` (the watermark read
   * at the start of the write's transaction, so its own changes are exactly (since, watermark]), a
   * change of the write that was dead-lettered instead of indexed makes the result `rejected`.
   */
  return async (watermark: number, timeoutMs: number, since?: number): Promise<IndexWaitResult> => {
    const deadline = Date.now() + timeoutMs;
    relay.notify();
    let delay = 1;
    for (;;) {
      if (pending.get(watermark) !== 1) break;
      if (Date.now() >= deadline) return { ok: false, reason: 'timeout', retryAttempt: relay.stats().attempt };
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
      delay = Math.min(delay * 2, 25);
    }
    if (since === undefined || since >= watermark) return { ok: true };
    const docs = rejected.all(since, watermark) as RejectedDocument[];
    return docs.length === 0 ? { ok: true } : { ok: false, reason: 'rejected', rejected: docs };
  };
}
