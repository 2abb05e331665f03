/**
 * Sync's own connection to the service database: the one place its pragmas are set (`startSync`
 * opens the connection, `createRelay` runs on it; whichever comes first configures it). The WAL
 * checkpoint pragmas of a connection whose checkpoints run on the worker are `deferCheckpoints`'s
 * (checkpoint.ts).
 */
import type Database from 'better-sqlite3';

/** How long sync's connection waits for the write lock while it sets up (sync tables, triggers, the lease). */
export const SETUP_BUSY_TIMEOUT_MS = 5000;

const CONFIGURED = new WeakSet<Database.Database>();

/**
 * WAL, so readers never block the service's writers; a busy timeout, so sync's short write
 * transactions wait for the service's; NORMAL sync, safe in WAL: a crash may lose the last acks,
 * which only means re-sending idempotent upserts. Once per connection: a second call does nothing.
 *
 * @example
 *   const db = new Database(path);
 *   configureConnection(db);
 */
export function configureConnection(db: Database.Database): void {
  if (CONFIGURED.has(db)) return;
  db.pragma('journal_mode = WAL');
  db.pragma(`busy_timeout = ${SETUP_BUSY_TIMEOUT_MS}`);
  db.pragma('synchronous = NORMAL');
  CONFIGURED.add(db);
}

/**
 * After setup, how long the relay's acks wait inside SQLite for the write lock
 * (`RelayOptions.busyTimeoutMs`): better-sqlite3 waits synchronously, holding the event loop, so a
 * service that runs sync in its own process lowers it.
 */
export function setRelayBusyTimeout(db: Database.Database, ms: number): void {
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
}
