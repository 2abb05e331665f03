/**
 * Change capture: the sync tables and the `AFTER INSERT|UPDATE|DELETE` triggers that append every
 * change of a synced table to `_sync_outbox` in the writer's own transaction (docs/sync.md, "Capture").
 * A rolled-back write leaves nothing behind, and writes from any connection, including the `sqlite3`
 * shell, are captured: the triggers use only core SQL and JSON1.
 */
import type Database from 'better-sqlite3';
import { quoteIdent, type DerivedTable } from './schema-derive.ts';

/**
 * Milliseconds since the epoch, as an SQL expression. `unixepoch('subsec')` needs SQLite 3.42; this
 * works in every version, including Debian's 3.40 `sqlite3` shell, which must be able to run the triggers.
 */
export const NOW_MS_SQL = "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";

/** The DDL of the tables sync owns in a service's database (exactly as in docs/sync.md). */
export const SYNC_TABLES_DDL = `
CREATE TABLE IF NOT EXISTS _sync_outbox (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  tbl        TEXT NOT NULL,
  row_key    TEXT NOT NULL,
  op         TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS _sync_outbox_key ON _sync_outbox(tbl, row_key);
CREATE TABLE IF NOT EXISTS sync_errors (
  tbl TEXT NOT NULL, row_key TEXT NOT NULL, collection TEXT NOT NULL, doc_id TEXT NOT NULL,
  code INTEGER NOT NULL, message TEXT NOT NULL, attempts INTEGER NOT NULL,
  first_seen_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, payload TEXT NOT NULL,
  seq_min INTEGER, seq_max INTEGER,
  PRIMARY KEY (tbl, row_key)
);
CREATE TABLE IF NOT EXISTS _sync_lock (id INTEGER PRIMARY KEY CHECK (id = 1), owner TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, heartbeat_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS _sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/**
 * Columns added to sync's tables after their first release, for databases created before: the outbox
 * seq range of the changes a dead letter stands for (what `waitForIndexed` matches a write against).
 */
const ADDED_COLUMNS: ReadonlyArray<{ table: string; column: string; type: string }> = [
  { table: 'sync_errors', column: 'seq_min', type: 'INTEGER' },
  { table: 'sync_errors', column: 'seq_max', type: 'INTEGER' },
];

/** Creates sync's tables if missing and adds the columns an older database lacks. Idempotent. */
export function ensureSyncTables(db: Database.Database): void {
  db.exec(SYNC_TABLES_DDL);
  for (const { table, column, type } of ADDED_COLUMNS) {
    const has = (db.pragma(`table_info(${table})`) as Array<{ name: string }>).some((c) => c.name === column);
    if (!has) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
}

/** The names of a table's three capture triggers. */
export function triggerNames(table: string): { insert: string; update: string; delete: string } {
  return { insert: `_sync_${table}_ai`, update: `_sync_${table}_au`, delete: `_sync_${table}_ad` };
}

/** An SQL string literal. */
function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** `json_array(<ref>."a", <ref>."b")`: the row key as the triggers (and everything else) encode it. */
function keyExpr(ref: 'NEW' | 'OLD', idColumns: readonly string[]): string {
  return `json_array(${idColumns.map((c) => (c === 'rowid' ? `${ref}.rowid` : `${ref}.${quoteIdent(c)}`)).join(', ')})`;
}

function outboxInsert(table: string, key: string, op: 'I' | 'U' | 'D'): string {
  return `INSERT INTO _sync_outbox (tbl, row_key, op, created_ms) VALUES (${literal(table)}, ${key}, '${op}', ${NOW_MS_SQL});`;
}

/**
 * The exact `CREATE TRIGGER` statements for one table, keyed by trigger name. SQLite keeps this text
 * verbatim in `sqlite_master.sql`, which is how {@link installCapture} tells whether they changed.
 */
export function triggerSql(derived: Pick<DerivedTable, 'decl' | 'idColumns'>): Map<string, string> {
  const table = derived.decl.table;
  const t = quoteIdent(table);
  const names = triggerNames(table);
  const ids = derived.idColumns;
  // A primary-key change is a delete of the old document plus an upsert of the new one. `IS NOT`
  // compares NULLs as values (a rowid table may have a NULL in a non-rowid id column).
  const keyChanged = ids
    .map((c) => (c === 'rowid' ? 'OLD.rowid IS NOT NEW.rowid' : `OLD.${quoteIdent(c)} IS NOT NEW.${quoteIdent(c)}`))
    .join(' OR ');
  return new Map([
    [names.insert, `CREATE TRIGGER ${quoteIdent(names.insert)} AFTER INSERT ON ${t} BEGIN ${outboxInsert(table, keyExpr('NEW', ids), 'I')} END`],
    [
      names.update,
      `CREATE TRIGGER ${quoteIdent(names.update)} AFTER UPDATE ON ${t} BEGIN ` +
        `INSERT INTO _sync_outbox (tbl, row_key, op, created_ms) SELECT ${literal(table)}, ${keyExpr('OLD', ids)}, 'D', ${NOW_MS_SQL} WHERE ${keyChanged}; ` +
        `${outboxInsert(table, keyExpr('NEW', ids), 'U')} END`,
    ],
    [names.delete, `CREATE TRIGGER ${quoteIdent(names.delete)} AFTER DELETE ON ${t} BEGIN ${outboxInsert(table, keyExpr('OLD', ids), 'D')} END`],
  ]);
}

/** What {@link installCapture} changed: the triggers it (re)created. */
export interface CaptureInstallResult {
  created: string[];
}

/**
 * Creates the sync tables and each table's capture triggers, idempotently and in one transaction:
 * a trigger whose stored SQL already matches is left alone, one that differs (for example after the
 * id columns changed) is dropped and recreated. Run it at start and after every schema change.
 *
 * @example
 *   installCapture(db, [deriveTable(db, { table: 'elements', collection: 'sequence_elements' })]);
 */
export function installCapture(db: Database.Database, derived: readonly DerivedTable[]): CaptureInstallResult {
  const created: string[] = [];
  const existing = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?").pluck();
  db.transaction(() => {
    ensureSyncTables(db);
    for (const d of derived) {
      for (const [name, sql] of triggerSql(d)) {
        if (existing.get(name) === sql) continue;
        db.exec(`DROP TRIGGER IF EXISTS ${quoteIdent(name)}`);
        db.exec(sql);
        created.push(name);
      }
    }
  }).immediate();
  return { created };
}

/** Drops a table's capture triggers (when it stops being synced). */
export function removeCapture(db: Database.Database, table: string): void {
  const names = triggerNames(table);
  db.transaction(() => {
    for (const name of [names.insert, names.update, names.delete]) db.exec(`DROP TRIGGER IF EXISTS ${quoteIdent(name)}`);
  }).immediate();
}

/**
 * Binds a key value so that `json_array(?)` encodes it as the trigger encodes the stored value:
 * better-sqlite3 binds every JS number as a REAL (`[5.0]`), while an INTEGER column gives `[5]`.
 */
function bindable(v: unknown): unknown {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'boolean') return v ? 1n : 0n;
  return v;
}

/**
 * Appends keys of a table to the outbox, so the relay sends the current row (or deletes the document
 * when the row is gone). For repair (audit) and replay. The row key is encoded by SQLite from the row
 * itself when it exists, so it matches the triggers' encoding exactly (and coalesces with them).
 *
 * @example
 *   enqueueKeys(db, 'elements', [[42], [43]]);
 */
export function enqueueKeys(db: Database.Database, derived: Pick<DerivedTable, 'decl' | 'idColumns'>, keys: readonly unknown[][]): number {
  const table = derived.decl.table;
  const ids = derived.idColumns;
  const where = ids.map((c) => `${c === 'rowid' ? 'rowid' : quoteIdent(c)} = ?`).join(' AND ');
  const fromRow = db.prepare(`SELECT ${keyExpr('NEW', ids)} FROM ${quoteIdent(table)} AS NEW WHERE ${where}`).pluck();
  const fromValues = db.prepare(`SELECT json_array(${ids.map(() => '?').join(', ')})`).pluck();
  const insert = db.prepare(`INSERT INTO _sync_outbox (tbl, row_key, op, created_ms) VALUES (?, ?, 'U', ${NOW_MS_SQL})`);
  db.transaction(() => {
    for (const key of keys) {
      if (key.length !== ids.length) {
        throw new Error(`sync: a key of '${table}' has ${ids.length} value(s) (${ids.join(', ')}), got ${key.length}`);
      }
      const values = key.map(bindable);
      const encoded = (fromRow.get(...values) ?? fromValues.get(...values)) as string;
      insert.run(table, encoded);
    }
  }).immediate();
  return keys.length;
}

/** Appends already-encoded row keys (as stored in `_sync_outbox`/`sync_errors`) to the outbox. */
export function enqueueRowKeys(db: Database.Database, entries: ReadonlyArray<{ tbl: string; rowKey: string }>): number {
  const insert = db.prepare(`INSERT INTO _sync_outbox (tbl, row_key, op, created_ms) VALUES (?, ?, 'U', ${NOW_MS_SQL})`);
  db.transaction(() => {
    for (const e of entries) insert.run(e.tbl, e.rowKey);
  }).immediate();
  return entries.length;
}
