/**
 * Audit: compares every row with its document (id plus a content hash) and reports what is missing,
 * stale or extra; repair re-enqueues those keys so the relay fixes them.
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Document, FieldSchema, SearchBackend } from '@fountain/search';
import type { Row } from './declaration.ts';
import { keysetPager } from './backfill.ts';
import { rowKey, toDocument } from './document.ts';
import type { DerivedTable } from './schema-derive.ts';

/** Options of {@link audit}. */
export interface AuditOptions {
  db: Database.Database;
  derived: DerivedTable;
  backend: SearchBackend;
  /** The collection (alias or physical) to compare with. */
  collection: string;
  /** Ids kept per kind in the report's samples. Default 10. */
  sampleSize?: number;
  /** Rows read per page. Default 1000. */
  batchSize?: number;
  /** Keys/ids kept for repair per kind; past it the report is `truncated` (repair, audit again). Default 100,000. */
  maxRepairItems?: number;
}

/** One kind of discrepancy. */
export interface AuditFinding {
  count: number;
  /** Up to `sampleSize` document ids. */
  sample: string[];
}

/** What an audit found. */
export interface AuditReport {
  table: string;
  collection: string;
  rows: number;
  documents: number;
  /** Rows without a document. */
  missing: AuditFinding;
  /** Rows whose document differs from the row. */
  stale: AuditFinding;
  /** Documents without a row. */
  extra: AuditFinding;
  durationMs: number;
  /** For repair: the row keys of missing and stale rows, and the ids of extra documents. */
  repair: { keys: unknown[][]; extraIds: string[]; truncated: boolean };
}

/**
 * Audits a collection against its table. Memory: one short hash per exported document (the export is
 * read line by line) plus one page of rows; the table is paged in id order.
 *
 * @example
 *   const report = await audit({ db, derived, backend, collection: 'books' });
 *   if (report.missing.count + report.stale.count + report.extra.count > 0) repair(report, { derived, enqueue: (keys) => enqueueKeys(db, derived, keys) });
 */
export async function audit(opts: AuditOptions): Promise<AuditReport> {
  const started = Date.now();
  const { db, derived } = opts;
  const sampleSize = opts.sampleSize ?? 10;
  const maxRepair = opts.maxRepairItems ?? 100_000;
  const fields = derived.schema.fields;

  const hashes = new Map<string, string>();
  const jsonl = await opts.backend.exportDocuments(opts.collection, {});
  let start = 0;
  while (start < jsonl.length) {
    let end = jsonl.indexOf('\n', start);
    if (end < 0) end = jsonl.length;
    const line = jsonl.slice(start, end).trim();
    start = end + 1;
    if (line === '') continue;
    const doc = JSON.parse(line) as Document;
    hashes.set(String(doc.id), contentHash(doc, fields));
  }
  const documents = hashes.size;

  const report: AuditReport = {
    table: derived.decl.table,
    collection: opts.collection,
    rows: 0,
    documents,
    missing: { count: 0, sample: [] },
    stale: { count: 0, sample: [] },
    extra: { count: 0, sample: [] },
    durationMs: 0,
    repair: { keys: [], extraIds: [], truncated: false },
  };
  const note = (finding: AuditFinding, id: string): void => {
    finding.count++;
    if (finding.sample.length < sampleSize) finding.sample.push(id);
  };
  const keep = (key: unknown[]): void => {
    if (report.repair.keys.length < maxRepair) report.repair.keys.push(key);
    else report.repair.truncated = true;
  };

  const pager = keysetPager(db, derived, opts.batchSize ?? 1000);
  let after: unknown[] | null = null;
  for (;;) {
    const rows = pager.page(after);
    if (rows.length === 0) break;
    for (const row of rows) {
      report.rows++;
      const doc = toDocument(derived, row);
      const id = String(doc.id);
      const have = hashes.get(id);
      if (have === undefined) {
        note(report.missing, id);
        keep(rowKey(derived, row));
      } else {
        if (have !== contentHash(doc, fields)) {
          note(report.stale, id);
          keep(rowKey(derived, row));
        }
        hashes.delete(id);
      }
    }
    after = rowKey(derived, rows[rows.length - 1] as Row);
  }
  for (const id of hashes.keys()) {
    note(report.extra, id);
    if (report.repair.extraIds.length < maxRepair) report.repair.extraIds.push(id);
    else report.repair.truncated = true;
  }
  report.durationMs = Date.now() - started;
  return report;
}

/**
 * A short hash of a document's content: the schema's fields only (Typesense keeps fields a PATCH
 * dropped in the stored document), each value normalised to its field's type, keys sorted.
 */
export function contentHash(doc: Document, fields: FieldSchema[]): string {
  const out: Record<string, unknown> = { id: String(doc.id) };
  for (const f of [...fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const v = doc[f.name];
    if (v === undefined || v === null) continue;
    out[f.name] = Array.isArray(v) ? v.map((x) => normalise(x, f.type)) : normalise(v, f.type);
  }
  return createHash('sha1').update(JSON.stringify(out)).digest('base64').slice(0, 16);
}

function normalise(v: unknown, type: string): unknown {
  const base = type.replace('[]', '');
  if (base === 'bool') {
    if (v === 0 || v === 1 || v === '0' || v === '1') return v === 1 || v === '1';
    if (v === 'true' || v === 'false') return v === 'true';
    return v;
  }
  if (base === 'int32' || base === 'int64' || base === 'float') {
    if (typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
    return v;
  }
  if (base === 'string' && (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean')) return String(v);
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return sortKeys(v as Record<string, unknown>);
  return v;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) {
    const v = o[k];
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) ? sortKeys(v as Record<string, unknown>) : v;
  }
  return out;
}

/**
 * The row key a document id stands for (the inverse of `documentId`): one column, the id itself; several,
 * the `:`-separated URI-encoded values. Values come back as strings; SQLite's comparison affinity
 * matches them with INTEGER columns.
 */
export function keyOfDocumentId(id: string, idColumns: number): unknown[] {
  if (idColumns === 1) return [id];
  return id.split(':').map((part) => decodeURIComponent(part));
}

/**
 * Enqueues row keys of the audited table into the outbox: capture's `enqueueKeys` bound to the
 * database and table, e.g. `(keys) => enqueueKeys(db, derived, keys)`.
 */
export type EnqueueKeys = (keys: unknown[][]) => unknown;

/**
 * Repairs what an audit found by re-enqueueing keys: missing and stale rows (the relay re-sends the
 * current row), and extra documents as the key their id decodes to (no row has it, so the relay
 * deletes the document). Answers how many keys it enqueued.
 */
export function repair(report: AuditReport, opts: { derived: DerivedTable; enqueue: EnqueueKeys }): number {
  const n = opts.derived.idColumns.length;
  const keys = [...report.repair.keys, ...report.repair.extraIds.map((id) => keyOfDocumentId(id, n))];
  if (keys.length > 0) opts.enqueue(keys);
  return keys.length;
}
