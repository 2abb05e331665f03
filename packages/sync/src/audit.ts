/**
 * Audit: compares every row with its document (id plus a content hash) and reports what is missing,
 * stale or extra; repair re-enqueues those keys so the relay fixes them. Rows whose change is still on
 * its way to the index are reported apart, as in flight (audit-in-flight.ts).
 */
import { createHash } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Document, FieldSchema, SearchBackend } from '@fountain/search';
import type { Row } from './declaration.ts';
import { currentHashes, keyText, pendingAmong, rowHash, rowReader } from './audit-in-flight.ts';
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
  /**
   * Rows that differed from their document only because a change was on its way: its outbox entry
   * was pending at the snapshot, or it changed (or reached the index) after the snapshot. Not a
   * difference, not repaired: the relay settles them.
   */
  inFlight: AuditFinding;
  durationMs: number;
  /** For repair: the row keys of missing and stale rows, and the ids of extra documents. */
  repair: { keys: unknown[][]; extraIds: string[]; truncated: boolean };
}

type Kind = 'missing' | 'stale' | 'extra';

/** A key whose row and document differed at the snapshot. */
interface Candidate {
  kind: Kind;
  id: string;
  key: unknown[];
  /** The row's content hash at the snapshot (null: no row). */
  rowHash: string | null;
}

/**
 * Audits a collection against its table. Memory: one short hash per exported document (the export is
 * read line by line) plus one page of rows; the table is paged in id order.
 *
 * Under a steady writer, the index and the table are never equal at one instant, so a difference is
 * only reported when it is not in flight: (1) export the index; (2) read every row in ONE read
 * snapshot, together with which of the differing keys have a pending outbox entry (those are in
 * flight: the relay will send them); (3) look at the other differing documents again, after the
 * snapshot, and read their rows and outbox entries once more. A key that is pending now, whose row
 * changed after the snapshot, or whose document now matches its row was in flight. What is left
 * had no change on its way and still differs: a real difference (Typesense lost or kept a write).
 * The only blind spot is a row changed and changed back (A, B, A) while step 3 runs; it is then
 * reported and repaired, which is harmless.
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
  const hash = (doc: Document): string => contentHash(doc, fields);

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
    hashes.set(String(doc.id), hash(doc));
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
    inFlight: { count: 0, sample: [] },
    durationMs: 0,
    repair: { keys: [], extraIds: [], truncated: false },
  };
  const note = (finding: AuditFinding, id: string): void => {
    finding.count++;
    if (finding.sample.length < sampleSize) finding.sample.push(id);
  };
  const found = (c: Candidate): void => {
    note(report[c.kind], c.id);
    const list: unknown[] = c.kind === 'extra' ? report.repair.extraIds : report.repair.keys;
    if (list.length < maxRepair) list.push(c.kind === 'extra' ? c.id : c.key);
    else report.repair.truncated = true;
  };

  // (2) The rows and their pending outbox entries, in one read snapshot. Past `maxRepair`
  // candidates, the rest are classified by their pending entry only (and the report is truncated).
  const pager = keysetPager(db, derived, opts.batchSize ?? 1000);
  const n = derived.idColumns.length;
  const snapshot = db.transaction((): { candidates: Candidate[]; overflow: Candidate[]; pending: Set<string> } => {
    const candidates: Candidate[] = [];
    const overflow: Candidate[] = [];
    const add = (c: Candidate): number => (candidates.length < maxRepair ? candidates : overflow).push(c);
    let after: unknown[] | null = null;
    for (;;) {
      const rows = pager.page(after);
      if (rows.length === 0) break;
      for (const row of rows) {
        report.rows++;
        const doc = toDocument(derived, row);
        const id = String(doc.id);
        const have = hashes.get(id);
        const mine = hash(doc);
        if (have === undefined) add({ kind: 'missing', id, key: rowKey(derived, row), rowHash: mine });
        else {
          if (have !== mine) add({ kind: 'stale', id, key: rowKey(derived, row), rowHash: mine });
          hashes.delete(id);
        }
      }
      after = rowKey(derived, rows[rows.length - 1] as Row);
    }
    for (const id of hashes.keys()) add({ kind: 'extra', id, key: keyOfDocumentId(id, n), rowHash: null });
    const keys = new Set([...candidates, ...overflow].map((c) => keyText(c.key)));
    return { candidates, overflow, pending: pendingAmong(db, derived.decl.table, keys) };
  })();
  const inFlight = (c: Candidate): boolean => snapshot.pending.has(keyText(c.key));
  for (const c of snapshot.overflow) {
    if (inFlight(c)) note(report.inFlight, c.id);
    else found(c);
  }
  if (snapshot.overflow.length > 0) report.repair.truncated = true;
  const recheck: Candidate[] = [];
  for (const c of snapshot.candidates) {
    if (inFlight(c)) note(report.inFlight, c.id);
    else recheck.push(c);
  }

  // (3) Not pending at the snapshot: either their change reached the index after the export read it,
  // or the index really differs. Look again, after the snapshot.
  if (recheck.length > 0) {
    const now = await currentHashes(opts.backend, opts.collection, recheck.map((c) => c.id), hash);
    const read = rowReader(db, derived);
    db.transaction(() => {
      const pendingNow = pendingAmong(db, derived.decl.table, new Set(recheck.map((c) => keyText(c.key))));
      for (const c of recheck) {
        const row = rowHash(derived, read(c.key), hash);
        const doc = now.get(c.id) ?? null;
        if (pendingNow.has(keyText(c.key)) || row !== c.rowHash || doc === row) note(report.inFlight, c.id);
        else found({ ...c, kind: row === null ? 'extra' : doc === null ? 'missing' : 'stale' });
      }
    })();
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
