/**
 * The two SQLite chores every service has: reading the seeds' SQLAlchemy-style DATABASE_URL, and
 * applying numbered migrations. Structural types, so the kit does not depend on better-sqlite3.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads an SQLAlchemy-style SQLite URL: `sqlite:///rel/path` (three slashes: relative to the working
 * directory), `sqlite:////abs/path` (four: absolute), `sqlite://` or `sqlite:///:memory:` (memory).
 * A bare path is accepted too. Answers the path, or a problem.
 *
 * @example
 *   parseDatabaseUrl('sqlite:///./data/kms.db') // { path: './data/kms.db' }
 */
export function parseDatabaseUrl(url: string): { path: string } | { problem: string } {
  if (!url.includes('://')) return { path: url };
  const m = /^sqlite:\/\/(.*)$/.exec(url);
  if (!m) return { problem: `DATABASE_URL: only sqlite URLs are supported (sqlite:///./data/service.db), got a '${url.split(':')[0]}' URL` };
  const rest = m[1] ?? '';
  if (rest === '' || rest === '/:memory:') return { path: ':memory:' };
  if (!rest.startsWith('/')) return { problem: 'DATABASE_URL: a sqlite URL needs three slashes before a path (sqlite:///./data/service.db)' };
  const path = rest.slice(1).split('?')[0] ?? '';
  if (path === '') return { problem: 'DATABASE_URL: no file path after sqlite:///' };
  return { path };
}

/** What {@link migrate} needs of a connection (a better-sqlite3 Database has it). */
export interface MigratableDatabase {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): unknown;
  transaction(fn: () => void): { immediate(): void };
}

/**
 * Applies the pending `NNN_name.sql` files of `dir` in order, each in its own IMMEDIATE transaction,
 * recording the last applied number in `PRAGMA user_version` (so two processes starting at once
 * don't both apply one). Answers the numbers applied.
 *
 * @example
 *   migrate(db, join(dirname(fileURLToPath(import.meta.url)), 'migrations'));
 */
export function migrate(db: MigratableDatabase, dir: string): number[] {
  const files = readdirSync(dir)
    .filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f))
    .sort();
  const applied: number[] = [];
  for (const file of files) {
    const n = Number(file.slice(0, 3));
    db.transaction(() => {
      if ((db.pragma('user_version', { simple: true }) as number) >= n) return;
      db.exec(readFileSync(join(dir, file), 'utf8'));
      db.pragma(`user_version = ${n}`);
      applied.push(n);
    }).immediate();
  }
  return applied;
}
