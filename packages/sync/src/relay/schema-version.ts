/**
 * The schema version (SPEC.md, R9), in one place: `PRAGMA schema_version`, a header read that changes
 * with every ALTER, CREATE or DROP from any connection. The relay keeps two marks of it: the version
 * its tables were derived at (a batch read under another one is not sent) and the version its setup
 * last completed at (setup runs again when the schema moved past it).
 */
import type Database from 'better-sqlite3';

/** The relay's view of the schema version. */
export interface SchemaVersion {
  /** `PRAGMA schema_version` now (inside a read transaction: in its snapshot). */
  read(): number;
  /** The version the relay's tables were derived at. */
  tablesAt(): number;
  /** Records the version new tables were derived at. */
  setTablesAt(version: number): void;
  /** Whether setup must run: not yet since the lease was taken, or the schema moved since it did. */
  needsSetup(): boolean;
  /** Setup completed, having started at `version` (read before it ran, so a change during it is seen). */
  setupDone(version: number): void;
  /** The lease was (re)taken: setup runs again before any send. */
  setupNeeded(): void;
}

/**
 * A reader of `PRAGMA schema_version` on one connection: the one statement that reads it (the
 * relay's marks below, a batch's snapshot, `createSchemaWatch`).
 *
 * @example
 *   const version = schemaVersionReader(db);
 *   if (version() !== seen) ...
 */
export function schemaVersionReader(db: Database.Database): () => number {
  const stmt = db.prepare('PRAGMA schema_version').pluck();
  return () => stmt.get() as number;
}

/** The schema version of one connection; the tables given at creation were derived at `read()`. */
export function createSchemaVersion(db: Database.Database): SchemaVersion {
  const read = schemaVersionReader(db);
  let tablesAt = read();
  let setupAt: number | null = null;
  return {
    read,
    tablesAt: () => tablesAt,
    setTablesAt: (v) => void (tablesAt = v),
    needsSetup: () => setupAt === null || read() !== setupAt,
    setupDone: (v) => void (setupAt = v),
    setupNeeded: () => void (setupAt = null),
  };
}
