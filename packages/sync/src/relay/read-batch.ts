/**
 * Reading a batch: outbox rows in `seq` order, coalesced per key, and the current row of each key,
 * all in ONE read transaction. The snapshot is what makes "no stale overwrite" hold: a row read here
 * is at least as new as every outbox entry read with it, and any later change has a higher seq than
 * the batch's max seq, so it stays in the outbox and is sent by a later batch.
 */
import type Database from 'better-sqlite3';
import type { Document } from '@fountain/search';
import type { Row } from '../declaration.ts';
import { documentId, toDocument } from '../document.ts';
import { quoteIdent, type DerivedTable } from '../schema-derive.ts';

/** One document to send: the newest state of one key. */
export interface BatchItem {
  tbl: string;
  /** The key as the triggers encode it (`json_array(...)`). */
  rowKey: string;
  derived: DerivedTable;
  docId: string;
  /** The document to upsert, or null when the row is gone (delete). */
  doc: Document | null;
  /** The JSONL line of `doc`. */
  line: string | null;
  /** Why the document could not be built (the transform threw, or it isn't JSON): dead-lettered. */
  buildError: string | null;
  /** `created_ms` of each coalesced outbox row, for the lag metric. */
  createdMs: number[];
}

/** A batch: the keys, and the highest seq read (acks delete `seq <= maxSeq` only). */
export interface Batch {
  maxSeq: number;
  rows: number;
  items: BatchItem[];
  /** `PRAGMA schema_version` in the batch's read snapshot. */
  schemaVersion: number;
}

/** The prepared statements of one reader; rebuilt when the tables change. */
export interface BatchReader {
  /**
   * Reads up to `limit` outbox rows with `seq > afterSeq` (the relay reads ahead past a batch in
   * flight, whose rows are not acknowledged yet).
   */
  read(limit: number, afterSeq?: number): Batch;
  /** Outbox rows of the synced tables. */
  pending(): number;
}

/**
 * Builds the reader of the given tables (rows of other tables stay in the outbox, untouched);
 * `schemaVersion` reads `PRAGMA schema_version` on the same connection (schema-version.ts).
 */
export function createBatchReader(db: Database.Database, tables: readonly DerivedTable[], schemaVersion: () => number): BatchReader {
  const byName = new Map(tables.map((t) => [t.decl.table, t]));
  const names = JSON.stringify([...byName.keys()]);
  // `+tbl`: without it (and with no ANALYZE, as in every service database) SQLite picks the
  // (tbl, row_key) index for the IN, reads EVERY pending row of the table and sorts them by seq for
  // each batch: O(backlog) per batch, 15 ms at 100k pending and 90-170 ms at 1M. Scanning in seq
  // (rowid) order stops after `limit` rows.
  const outbox = db.prepare(
    'SELECT seq, tbl, row_key AS rowKey, created_ms AS createdMs FROM _sync_outbox ' +
      'WHERE seq > ? AND +tbl IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?',
  );
  const count = db.prepare('SELECT count(*) FROM _sync_outbox WHERE tbl IN (SELECT value FROM json_each(?))').pluck();
  const rowStmts = new Map<string, Database.Statement>();
  const rowStmt = (d: DerivedTable): Database.Statement => {
    let s = rowStmts.get(d.decl.table);
    if (!s) {
      const cols = d.idColumns.includes('rowid') ? '*, rowid AS "rowid"' : '*';
      // Compare with the key's own JSON values (json_extract keeps int64 exact), with IS so a NULL
      // in a key column still finds its row.
      const where = d.idColumns
        .map((c, i) => `${c === 'rowid' ? 'rowid' : quoteIdent(c)} IS json_extract(@k, '$[${i}]')`)
        .join(' AND ');
      s = db.prepare(`SELECT ${cols} FROM ${quoteIdent(d.decl.table)} WHERE ${where}`);
      rowStmts.set(d.decl.table, s);
    }
    return s;
  };

  const readTx = db.transaction((limit: number, afterSeq: number): Batch => {
    // Read in the same snapshot as the rows: a batch read under a newer schema than the tables were
    // derived from is not sent (the relay applies the schema change first).
    const version = schemaVersion();
    const entries = outbox.all(afterSeq, names, limit) as Array<{ seq: number; tbl: string; rowKey: string; createdMs: number }>;
    const byKey = new Map<string, BatchItem>();
    let maxSeq = 0;
    for (const e of entries) {
      maxSeq = Math.max(maxSeq, e.seq);
      const k = `${e.tbl}\u0000${e.rowKey}`;
      const item = byKey.get(k);
      if (item) {
        item.createdMs.push(e.createdMs);
        continue;
      }
      const derived = byName.get(e.tbl);
      if (!derived) continue;
      byKey.set(k, { tbl: e.tbl, rowKey: e.rowKey, derived, docId: '', doc: null, line: null, buildError: null, createdMs: [e.createdMs] });
    }
    for (const item of byKey.values()) {
      const row = rowStmt(item.derived).get({ k: item.rowKey }) as Row | undefined;
      if (row === undefined) {
        item.docId = documentId(parseKey(item.rowKey));
        continue;
      }
      try {
        item.doc = toDocument(item.derived, row);
        item.docId = String(item.doc.id);
        item.line = JSON.stringify(item.doc);
      } catch (err) {
        item.docId = documentId(parseKey(item.rowKey));
        item.doc = null;
        item.buildError = `could not build the document: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    return { maxSeq, rows: entries.length, items: [...byKey.values()], schemaVersion: version };
  });

  return {
    read: (limit, afterSeq = 0) => readTx(limit, afterSeq),
    pending: () => count.get(names) as number,
  };
}

/** The values of an encoded row key. */
export function parseKey(rowKey: string): unknown[] {
  const v = JSON.parse(rowKey) as unknown;
  return Array.isArray(v) ? v : [v];
}
