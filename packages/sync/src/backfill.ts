/**
 * Backfill: streams a table's rows in id order (keyset paging, bounded memory) into a collection with
 * JSONL `action=upsert`, saving a checkpoint in `_sync_state` after each confirmed batch.
 */
import type Database from 'better-sqlite3';
import { AppError } from '@fountain/kit';
import type { SearchBackend } from '@fountain/search';
import type { Row } from './declaration.ts';
import { deleteState, readState, writeState } from './collections.ts';
import { rowKey, toDocument } from './document.ts';
import { quoteIdent, type DerivedTable } from './schema-derive.ts';

/** Progress of a backfill, as passed to `onProgress`. */
export interface BackfillProgress {
  /** Rows confirmed so far, including those before the checkpoint this run resumed from. */
  done: number;
  total: number;
  /** Rows per second in this run. */
  rate: number;
  /** Seconds left at the current rate; null while the rate is unknown. */
  etaSeconds: number | null;
}

/** Runs `fn` between relay batches (the relay's `runExclusive`). */
export type RunExclusive = <T>(fn: () => Promise<T>) => Promise<T>;

/** Options of {@link backfill}. */
export interface BackfillOptions {
  db: Database.Database;
  derived: DerivedTable;
  backend: SearchBackend;
  /** The physical collection to write. */
  collection: string;
  /** Rows per import. Default 1000. */
  batchSize?: number;
  /** `_sync_state` key of the checkpoint. Default `backfill:<collection>`. */
  checkpointKey?: string;
  onProgress?: (p: BackfillProgress) => void;
  /**
   * The relay's `runExclusive`: each batch (read the rows, import, checkpoint) runs between relay
   * batches, so an older row state read here can't land after a newer one the relay sent.
   */
  runExclusive?: RunExclusive;
  /** Attempts per batch on transient errors (retryable AppError) before giving up. Default 8. */
  maxAttempts?: number;
  /** First backoff delay; doubles per attempt, full jitter, capped at 30 s. Default 200 ms. */
  retryBaseMs?: number;
}

/** One document the index rejected. */
export interface BackfillFailure {
  id: string;
  code: number;
  error: string;
}

/** What a backfill did. Rejected documents are counted, not thrown: the caller decides. */
export interface BackfillResult {
  /** Rows sent in this run. */
  sent: number;
  /** Of those, documents the index rejected. */
  failed: number;
  /** The first 100 rejections. */
  failures: BackfillFailure[];
  batches: number;
  /** The checkpoint this run resumed after, or null when it started from the beginning. */
  resumedFrom: unknown[] | null;
  durationMs: number;
}

const MAX_FAILURE_SAMPLE = 100;

/** The default `_sync_state` key of a backfill checkpoint. */
export const backfillCheckpointKey = (collection: string): string => `backfill:${collection}`;

/**
 * Copies every row of the table into `collection`, resuming after the saved checkpoint. The checkpoint
 * is removed when the last batch is confirmed, so a later call starts over.
 *
 * @example
 *   const r = await backfill({ db, derived, backend, collection: 'books_v2', onProgress: (p) => log(formatProgress(p)) });
 */
export async function backfill(opts: BackfillOptions): Promise<BackfillResult> {
  const { db, derived, backend, collection } = opts;
  const batchSize = opts.batchSize ?? 1000;
  const key = opts.checkpointKey ?? backfillCheckpointKey(collection);
  const exclusive: RunExclusive = opts.runExclusive ?? ((fn) => fn());
  const started = Date.now();
  const pager = keysetPager(db, derived, batchSize);

  const resumedFrom = readState<unknown[]>(db, key) ?? null;
  let after = resumedFrom;
  const total = pager.count();
  let done = after ? pager.countUpTo(after) : 0;
  const result: BackfillResult = { sent: 0, failed: 0, failures: [], batches: 0, resumedFrom, durationMs: 0 };

  for (;;) {
    const batch = await withRetry(opts, () =>
      exclusive(async () => {
        const rows = pager.page(after);
        if (rows.length === 0) return { n: 0, last: after };
        const docs: string[] = [];
        const ids: string[] = [];
        for (const row of rows) {
          const doc = toDocument(derived, row);
          ids.push(String(doc.id));
          docs.push(JSON.stringify(doc));
        }
        const answer = await backend.importDocuments(collection, docs.join('\n'), { action: 'upsert' });
        countFailures(answer, ids, result);
        const last = rowKey(derived, rows[rows.length - 1] as Row);
        // Checkpoint only after the index confirmed the batch: a crash re-sends at most this batch.
        writeState(db, key, last);
        return { n: rows.length, last };
      }),
    );
    if (batch.n === 0) break;
    after = batch.last;
    done += batch.n;
    result.sent += batch.n;
    result.batches++;
    if (opts.onProgress) {
      const secs = (Date.now() - started) / 1000;
      const rate = secs > 0 ? result.sent / secs : 0;
      const left = Math.max(0, total - done);
      opts.onProgress({ done, total: Math.max(total, done), rate, etaSeconds: rate > 0 ? left / rate : null });
    }
    if (batch.n < batchSize) break;
  }
  deleteState(db, key);
  result.durationMs = Date.now() - started;
  return result;
}

/** Reads a table in id order, one page after a key at a time (`WHERE (a,b) > (?,?)`, SQLite >= 3.15). */
export function keysetPager(db: Database.Database, derived: DerivedTable, batchSize: number) {
  const table = quoteIdent(derived.decl.table);
  const cols = derived.idColumns.map(quoteIdent);
  const tuple = `(${cols.join(', ')})`;
  const params = `(${cols.map(() => '?').join(', ')})`;
  // rowid isn't part of `*`: select it explicitly when it is the id.
  const select = derived.idColumns.includes('rowid') ? `SELECT rowid AS "rowid", * FROM ${table}` : `SELECT * FROM ${table}`;
  const order = `ORDER BY ${cols.join(', ')}`;
  const first = db.prepare(`${select} ${order} LIMIT ?`);
  const next = db.prepare(`${select} WHERE ${tuple} > ${params} ${order} LIMIT ?`);
  const countAll = db.prepare(`SELECT count(*) FROM ${table}`).pluck();
  const countTo = db.prepare(`SELECT count(*) FROM ${table} WHERE ${tuple} <= ${params}`).pluck();
  return {
    page: (after: unknown[] | null): Row[] =>
      (after ? next.all(...after, batchSize) : first.all(batchSize)) as Row[],
    count: (): number => countAll.get() as number,
    countUpTo: (key: unknown[]): number => countTo.get(...key) as number,
  };
}

/** Counts the failed lines of an import answer (one JSON line per document, in order). */
function countFailures(answer: string, ids: string[], result: BackfillResult): void {
  const lines = answer.split('\n');
  for (let i = 0; i < ids.length; i++) {
    const line = lines[i];
    let r: { success?: boolean; code?: number; error?: string };
    try {
      r = line ? (JSON.parse(line) as typeof r) : { success: false, error: 'no result line' };
    } catch {
      r = { success: false, error: `unreadable result line: ${String(line).slice(0, 200)}` };
    }
    if (r.success === true) continue;
    result.failed++;
    if (result.failures.length < MAX_FAILURE_SAMPLE) {
      result.failures.push({ id: ids[i] as string, code: r.code ?? 0, error: r.error ?? 'unknown error' });
    }
  }
}

/** Retries transient failures (retryable AppError) with exponential backoff and full jitter. */
async function withRetry<T>(opts: BackfillOptions, fn: () => Promise<T>): Promise<T> {
  const max = opts.maxAttempts ?? 8;
  const base = opts.retryBaseMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof AppError && err.retryable) || attempt >= max) throw err;
      // Outside runExclusive while waiting, so the relay isn't held up by our backoff.
      const delay = Math.random() * Math.min(30_000, base * 2 ** (attempt - 1));
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

/**
 * Formats progress for a terminal line.
 *
 * @example
 *   formatProgress({ done: 52_000, total: 100_000, rate: 8300, etaSeconds: 5.8 })
 *   // '[#####-----] 52% 52,000/100,000 8,300 rows/s ETA 6s'
 */
export function formatProgress(p: BackfillProgress): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 1;
  const filled = Math.floor(frac * 10);
  const bar = '#'.repeat(filled) + '-'.repeat(10 - filled);
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const eta = p.etaSeconds === null ? '?' : formatDuration(p.etaSeconds);
  return `[${bar}] ${Math.floor(frac * 100)}% ${n(p.done)}/${n(p.total)} ${n(p.rate)} rows/s ETA ${eta}`;
}

function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
