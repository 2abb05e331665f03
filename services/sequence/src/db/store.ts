/**
 * All of the service's SQL. The only module (with migrate.ts) that touches better-sqlite3; domain code
 * gets a {@link SequenceStore} and runs its steps inside `store.immediate(...)`; the read routes use
 * `store.reads`, on a read-only connection of their own (docs/sequence.md, "A long lock").
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openDatabase } from '@fountain/service';
import { DEFAULT_LOCK_WAIT_MS, databaseBusy, isBusy, writeTransactionAsync } from '@fountain/sync';

/** This service's migrations (`NNN_name.sql`). */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** An element row, in the API's names. */
export interface ElementRow {
  elementType: string;
  elementId: number;
  sequenceNumber: number;
  comment: string;
  createdAt: string;
  updatedAt: string;
  /** The highest version number. */
  currentVersion: number;
}

/** A version row, in the API's names; `data` is the parsed JSON (null for the version POST /sequence made). */
export interface VersionRow {
  elementType: string;
  elementId: number;
  versionNumber: number;
  sequenceNumber: number;
  data: unknown;
  comment: string;
  createdAt: string;
  updatedAt: string;
}

/** One element moving from one position to another in a reorder. */
export interface Move {
  elementId: number;
  from: number;
  to: number;
}

/** The reads of the read routes, on the read connection: they never wait for a writer. */
export interface SequenceReads {
  getElement(type: string, id: number): ElementRow | undefined;
  listElements(type: string, limit: number, offset: number): { rows: ElementRow[]; total: number };
  listVersions(type: string, id: number, limit: number, offset: number): { rows: VersionRow[]; total: number };
  getVersion(type: string, id: number, version: number): VersionRow | undefined;
  /** A trivial read: the database answers. */
  ping(): boolean;
}

/** The typed face of the database the domain code uses. */
export interface SequenceStore {
  /**
   * Runs `fn` in a `BEGIN IMMEDIATE` transaction (the write lock is taken first, so no two allocators
   * read the same max) and answers its result. Sync's `writeTransactionAsync`: a request that waits
   * for the index waits for exactly this commit, and while another process holds the write lock the
   * wait is on timers, never on the event loop, for up to the store's lock wait; then a retryable 503
   * and nothing written.
   */
  immediate<T>(fn: () => T): Promise<T>;
  /** Reads on the read connection (the read routes). */
  readonly reads: SequenceReads;
  /** Inside `immediate` only (the write connection, in the write's transaction). */
  getElement(type: string, id: number): ElementRow | undefined;
  /** The elements of a type with the given ids (missing ones are left out). */
  getElements(type: string, ids: readonly number[]): ElementRow[];
  /** The elements of every type with the given ids (seeds/002's reorder names no type). */
  findElementsInAnyType(ids: readonly number[]): ElementRow[];
  /** The elements of a type holding any of the given positions. */
  elementsAtPositions(type: string, positions: readonly number[]): ElementRow[];
  nextSequenceNumber(type: string): number;
  insertElement(type: string, id: number, sequenceNumber: number, comment: string, now: string): void;
  maxVersion(type: string, id: number): number;
  insertVersion(v: Omit<VersionRow, 'updatedAt'>): void;
  /** Moves elements (all positions distinct, targets free or vacated by the moves) and rewrites their versions' positions. */
  applyMoves(type: string, moves: readonly Move[], now: string): void;
  /** A trivial read on the read connection (`/ready`). */
  ping(): boolean;
  /** Closes the read connection, and the write connection when the store opened it (`openStore`). */
  close(): void;
}

const ELEMENT_COLUMNS = `e.element_type AS elementType, e.element_id AS elementId, e.sequence_number AS sequenceNumber,
  e.comment, e.created_at AS createdAt, e.updated_at AS updatedAt,
  (SELECT MAX(v.version_number) FROM element_versions v WHERE v.element_type = e.element_type AND v.element_id = e.element_id) AS currentVersion`;
const VERSION_COLUMNS = `element_type AS elementType, element_id AS elementId, version_number AS versionNumber,
  sequence_number AS sequenceNumber, data, comment, created_at AS createdAt, updated_at AS updatedAt`;

type RawVersion = Omit<VersionRow, 'data'> & { data: string | null };
const parseVersion = (r: RawVersion): VersionRow => ({ ...r, data: r.data === null ? null : (JSON.parse(r.data) as unknown) });

/** Options of {@link createStore}. */
export interface StoreOptions {
  /** How long a write waits for the write lock before its 503 (default 5000 ms, the old busy_timeout). */
  lockWaitMs?: number;
  /** Whether `close()` closes the write connection too (it does when `openStore` opened it). */
  ownsDb?: boolean;
}

/**
 * Opens the service's database (WAL, foreign keys; the blueprint's `openDatabase`, which applies the
 * pending migrations) and the store over it.
 */
export function openStore(path: string, opts: StoreOptions = {}): SequenceStore {
  return createStore(openDatabase(path, MIGRATIONS_DIR), { ownsDb: true, ...opts });
}

/** How long a read may wait inside SQLite (rare in WAL mode; it holds the event loop while it waits). */
const READ_BUSY_MS = 100;

/** Wraps a read so that a busy database answers the retryable 503, not a 500. */
function busyTo503<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return fn(...args);
    } catch (err) {
      throw isBusy(err) ? databaseBusy(READ_BUSY_MS, err) : err;
    }
  };
}

/** The read statements of one connection (the write connection uses `getElement` inside its transactions). */
function prepareReads(db: Database.Database): SequenceReads {
  const getElement = db.prepare(`SELECT ${ELEMENT_COLUMNS} FROM elements e WHERE e.element_type = ? AND e.element_id = ?`);
  const listElements = db.prepare(
    `SELECT ${ELEMENT_COLUMNS} FROM elements e WHERE e.element_type = ? ORDER BY e.sequence_number LIMIT ? OFFSET ?`,
  );
  const countElements = db.prepare('SELECT COUNT(*) FROM elements WHERE element_type = ?').pluck();
  const maxVersion = db
    .prepare('SELECT COALESCE(MAX(version_number), 0) FROM element_versions WHERE element_type = ? AND element_id = ?')
    .pluck();
  const listVersions = db.prepare(
    `SELECT ${VERSION_COLUMNS} FROM element_versions WHERE element_type = ? AND element_id = ? ORDER BY version_number LIMIT ? OFFSET ?`,
  );
  const getVersion = db.prepare(
    `SELECT ${VERSION_COLUMNS} FROM element_versions WHERE element_type = ? AND element_id = ? AND version_number = ?`,
  );
  const ping = db.prepare('SELECT 1').pluck();
  return {
    getElement: busyTo503((type: string, id: number) => getElement.get(type, id) as ElementRow | undefined),
    listElements: busyTo503((type: string, limit: number, offset: number) => ({
      rows: listElements.all(type, limit, offset) as ElementRow[],
      total: countElements.get(type) as number,
    })),
    listVersions: busyTo503((type: string, id: number, limit: number, offset: number) => ({
      rows: (listVersions.all(type, id, limit, offset) as RawVersion[]).map(parseVersion),
      total: maxVersion.get(type, id) as number,
    })),
    getVersion: busyTo503((type: string, id: number, version: number) => {
      const r = getVersion.get(type, id, version) as RawVersion | undefined;
      return r && parseVersion(r);
    }),
    ping: busyTo503(() => ping.get() === 1),
  };
}

/**
 * The store over an open, migrated connection (the blueprint opens it in `runService`), plus a
 * read-only connection of its own to the same file.
 *
 * Busy timeouts: the blueprint opens the connection with 5 s, which migrations may use before the
 * server listens. The store sets it to 0: a wait inside better-sqlite3 would hold the whole event
 * loop, so writes wait for the lock on timers instead (`writeTransactionAsync`). Readers never need
 * the write lock in WAL mode; the read connection's 100 ms only covers the rare moments (WAL
 * recovery) when a reader must wait, and a read still refused answers the same 503.
 */
export function createStore(db: Database.Database, opts: StoreOptions = {}): SequenceStore {
  const lockWaitMs = opts.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  db.pragma('busy_timeout = 0');
  const reader = new Database(db.name, { readonly: true });
  reader.pragma(`busy_timeout = ${READ_BUSY_MS}`);
  const inTx = prepareReads(db);
  const reads = prepareReads(reader);
  const getElements = db.prepare(
    `SELECT ${ELEMENT_COLUMNS} FROM elements e WHERE e.element_type = ? AND e.element_id IN (SELECT value FROM json_each(?))`,
  );
  const findAny = db.prepare(`SELECT ${ELEMENT_COLUMNS} FROM elements e WHERE e.element_id IN (SELECT value FROM json_each(?))`);
  const atPositions = db.prepare(
    `SELECT ${ELEMENT_COLUMNS} FROM elements e WHERE e.element_type = ? AND e.sequence_number IN (SELECT value FROM json_each(?))`,
  );
  const nextSeq = db.prepare('SELECT COALESCE(MAX(sequence_number), 0) + 1 FROM elements WHERE element_type = ?').pluck();
  const insertElement = db.prepare(
    'INSERT INTO elements (element_type, element_id, sequence_number, comment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const maxVersion = db
    .prepare('SELECT COALESCE(MAX(version_number), 0) FROM element_versions WHERE element_type = ? AND element_id = ?')
    .pluck();
  const insertVersion = db.prepare(
    `INSERT INTO element_versions (element_type, element_id, version_number, sequence_number, data, comment, created_at, updated_at)
     VALUES (@elementType, @elementId, @versionNumber, @sequenceNumber, @data, @comment, @createdAt, @createdAt)`,
  );
  const setPosition = db.prepare('UPDATE elements SET sequence_number = ?, updated_at = ? WHERE element_type = ? AND element_id = ?');
  const setVersionPositions = db.prepare(
    'UPDATE element_versions SET sequence_number = ?, updated_at = ? WHERE element_type = ? AND element_id = ?',
  );

  return {
    immediate: (fn) => writeTransactionAsync(db, fn, { mode: 'immediate', waitMs: lockWaitMs }),
    reads,
    getElement: inTx.getElement,
    getElements: (type, ids) => getElements.all(type, JSON.stringify(ids)) as ElementRow[],
    findElementsInAnyType: (ids) => findAny.all(JSON.stringify(ids)) as ElementRow[],
    elementsAtPositions: (type, positions) => atPositions.all(type, JSON.stringify(positions)) as ElementRow[],
    nextSequenceNumber: (type) => nextSeq.get(type) as number,
    insertElement: (type, id, seq, comment, now) => {
      insertElement.run(type, id, seq, comment, now, now);
    },
    maxVersion: (type, id) => maxVersion.get(type, id) as number,
    insertVersion: (v) => {
      insertVersion.run({ ...v, data: v.data === null || v.data === undefined ? null : JSON.stringify(v.data) });
    },
    applyMoves: (type, moves, now) => {
      // UNIQUE (element_type, sequence_number) is checked per statement and can't be deferred, so a
      // swap would fail half way. Park every moving row at a distinct negative position first, then
      // set the targets. Only moved elements are written, so only their versions are re-synced.
      moves.forEach((m, i) => setPosition.run(-(i + 1), now, type, m.elementId));
      for (const m of moves) {
        setPosition.run(m.to, now, type, m.elementId);
        setVersionPositions.run(m.to, now, type, m.elementId);
      }
    },
    ping: reads.ping,
    close: () => {
      reader.close();
      if (opts.ownsDb) db.close();
    },
  };
}
