/**
 * A service's SQLite database: opened with the pragmas every service needs, migrations applied. The
 * one place (with the service's own store) that touches better-sqlite3.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from '@fountain/kit';
import { deferCheckpoints } from '@fountain/sync';

/**
 * Opens (creating its folder) a service's database: WAL, a busy timeout (sync's relay holds its own
 * connection to the same file), NORMAL sync (durable against a process crash in WAL), foreign keys,
 * checkpoints left to sync's worker thread; then applies the migrations of `migrationsDir`.
 *
 * @example
 *   const db = openDatabase('./data/characters.db', new URL('./migrations', import.meta.url).pathname);
 */
export function openDatabase(path: string, migrationsDir: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  deferCheckpoints(db);
  migrate(db, migrationsDir);
  return db;
}
