import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate as migrateDir } from '@fountain/kit';
import type Database from 'better-sqlite3';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Applies the service's pending migrations (the kit's `migrate`); answers the numbers applied. */
export function migrate(db: Database.Database, dir = MIGRATIONS_DIR): number[] {
  return migrateDir(db, dir);
}
