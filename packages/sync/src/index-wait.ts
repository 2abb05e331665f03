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
    stmt = db.prepare('SELECT COALESCE(MAX(seq), 0) FROM _sync_outbox').pluck();
    watermarkStmts.set(db, stmt);
  }
  return stmt.get() as number;
}

// One prepared statement per connection (a write request reads the watermark every time).
const watermarkStmts = new WeakMap<Database.Database, Database.Statement>();

/** Searchable, or not within the bound (with the relay's current retry attempt, for the caller). */
export type IndexWaitResult = { ok: true } | { ok: false; retryAttempt: number };

/** Builds `waitForIndexed` over sync's own connection and relay. */
export function createIndexWaiter(db: Database.Database, relay: Pick<Relay, 'notify' | 'stats'>) {
  const pending = db.prepare('SELECT EXISTS (SELECT 1 FROM _sync_outbox WHERE seq <= ?)').pluck();
  return async (watermark: number, timeoutMs: number): Promise<IndexWaitResult> => {
    const deadline = Date.now() + timeoutMs;
    relay.notify();
    let delay = 1;
    for (;;) {
      if (pending.get(watermark) !== 1) return { ok: true };
      if (Date.now() >= deadline) return { ok: false, retryAttempt: relay.stats().attempt };
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
      delay = Math.min(delay * 2, 25);
    }
  };
}
