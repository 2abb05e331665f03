import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Applies the pending `migrations/NNN_name.sql` files in order, each in its own IMMEDIATE transaction,
 * recording the last applied number in `PRAGMA user_version` (so two processes starting at once
 * don't both apply one). Answers the numbers applied.
 */
export function migrate(db: Database.Database, dir = MIGRATIONS_DIR): number[] {
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
