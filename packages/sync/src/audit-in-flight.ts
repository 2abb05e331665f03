/**
 * Telling a row in flight from a real difference (docs/sync.md, "Audit under load"). The audit
 * compares the index (an export) with the rows as of one read snapshot; under a steady writer some
 * rows differ only because their change has not reached the index yet, or reached it after the export
 * read it. Those are in flight, not losses, and must not make an audit "find differences".
 */
import type Database from 'better-sqlite3';
import type { Document, SearchBackend } from '@fountain/search';
import { AppError } from '@fountain/kit';
import type { Row } from './declaration.ts';
import { toDocument } from './document.ts';
import { quoteIdent, type DerivedTable } from './schema-derive.ts';

/** A key's values compared as strings: a row's key `[5]` and the key `['5']` decoded from a document id are one key. */
export const keyText = (key: readonly unknown[]): string => key.map((v) => String(v)).join('\u0000');

/**
 * Which of `keys` have an outbox entry pending now (in the caller's read transaction). One pass over
 * the table's outbox rows, keeping only the asked keys: memory is bounded by `keys`, not the backlog.
 */
export function pendingAmong(db: Database.Database, table: string, keys: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  if (keys.size === 0) return found;
  const hasOutbox = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sync_outbox'").pluck().get() === 1;
  if (!hasOutbox) return found;
  const rows = db.prepare('SELECT DISTINCT row_key FROM _sync_outbox WHERE tbl = ?').pluck().iterate(table) as IterableIterator<string>;
  for (const rowKey of rows) {
    const parsed = JSON.parse(rowKey) as unknown;
    const k = keyText(Array.isArray(parsed) ? parsed : [parsed]);
    if (keys.has(k)) found.add(k);
  }
  return found;
}

/** Reads the current row of a key (values as strings are fine: column affinity converts them), or undefined. */
export function rowReader(db: Database.Database, derived: DerivedTable): (key: readonly unknown[]) => Row | undefined {
  const cols = derived.idColumns.includes('rowid') ? '*, rowid AS "rowid"' : '*';
  const where = derived.idColumns.map((c) => `${c === 'rowid' ? 'rowid' : quoteIdent(c)} IS ?`).join(' AND ');
  const stmt = db.prepare(`SELECT ${cols} FROM ${quoteIdent(derived.decl.table)} WHERE ${where}`);
  return (key) => stmt.get(...key) as Row | undefined;
}

/** Past this many documents to look at again, one export is cheaper than one GET each. */
const GET_EACH_MAX = 100;

/**
 * The index's current content hash of each id (null when it has no such document): one GET per id
 * for a few, one export for many.
 */
export async function currentHashes(
  backend: SearchBackend,
  collection: string,
  ids: readonly string[],
  hash: (doc: Document) => string,
): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (ids.length <= GET_EACH_MAX) {
    for (const id of ids) {
      try {
        out.set(id, hash(await backend.getDocument(collection, id)));
      } catch (err) {
        if (!(err instanceof AppError && err.code === 'NOT_FOUND')) throw err;
        out.set(id, null);
      }
    }
    return out;
  }
  const wanted = new Set(ids);
  for (const id of ids) out.set(id, null);
  for (const line of (await backend.exportDocuments(collection, {})).split('\n')) {
    if (line.trim() === '') continue;
    const doc = JSON.parse(line) as Document;
    if (wanted.has(String(doc.id))) out.set(String(doc.id), hash(doc));
  }
  return out;
}

/** A row's content hash as its document would have it, or null when there is no row. */
export function rowHash(derived: DerivedTable, row: Row | undefined, hash: (doc: Document) => string): string | null {
  return row === undefined ? null : hash(toDocument(derived, row));
}
