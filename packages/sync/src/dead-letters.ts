/**
 * Dead letters: documents the index rejected for good. They can be listed, replayed after a fix
 * (re-enqueued into the outbox: the relay sends the current row, and removes the dead letter when the
 * index accepts it, or updates it when it is rejected again) or discarded.
 *
 * One thing, two names: a dead letter is a row of the `sync_errors` table. The table keeps the seeds'
 * name because it is in every existing service database; everything else (this file, the
 * `/sync/dead-letters` routes, the `sync_dead_letters` metric, the docs) says dead letters
 * (docs/design-decisions.md).
 */
import type Database from 'better-sqlite3';
import { enqueueRowKeys } from './capture.ts';

/** One dead letter, as stored in `sync_errors`. */
export interface DeadLetter {
  tbl: string;
  /** The row key as stored (a JSON array of the id columns' values). */
  rowKey: string;
  collection: string;
  docId: string;
  /** The index's HTTP code for this document (400, 404, 422, ...). */
  code: number;
  message: string;
  attempts: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** The rejected document, as sent (JSON text). */
  payload: string;
}

/** Which dead letters an operation applies to: one key, one collection, or all. */
export type DeadLetterSelector = { tbl: string; rowKey: string } | { collection: string } | 'all';

const COLUMNS =
  'tbl, row_key AS rowKey, collection, doc_id AS docId, code, message, attempts, first_seen_ms AS firstSeenMs, last_seen_ms AS lastSeenMs, payload';

function where(selector: DeadLetterSelector): { sql: string; params: unknown[] } {
  if (selector === 'all') return { sql: '', params: [] };
  if ('collection' in selector) return { sql: 'WHERE collection = ?', params: [selector.collection] };
  return { sql: 'WHERE tbl = ? AND row_key = ?', params: [selector.tbl, selector.rowKey] };
}

/**
 * Pages through the dead letters, newest first.
 *
 * @example
 *   const { total, items } = listDeadLetters(db, { collection: 'sequence_elements', limit: 50, offset: 0 });
 */
export function listDeadLetters(
  db: Database.Database,
  opts: { collection?: string; limit?: number; offset?: number } = {},
): { total: number; items: DeadLetter[] } {
  const w = where(opts.collection === undefined ? 'all' : { collection: opts.collection });
  const total = db.prepare(`SELECT count(*) FROM sync_errors ${w.sql}`).pluck().get(...w.params) as number;
  const items = db
    .prepare(`SELECT ${COLUMNS} FROM sync_errors ${w.sql} ORDER BY last_seen_ms DESC, tbl, row_key LIMIT ? OFFSET ?`)
    .all(...w.params, opts.limit ?? 50, opts.offset ?? 0) as DeadLetter[];
  return { total, items };
}

/** The dead letters a selector picks (for authorization: which collections it touches). */
export function selectDeadLetters(db: Database.Database, selector: DeadLetterSelector): DeadLetter[] {
  const w = where(selector);
  return db.prepare(`SELECT ${COLUMNS} FROM sync_errors ${w.sql}`).all(...w.params) as DeadLetter[];
}

/**
 * Re-enqueues the selected dead letters into the outbox; answers how many. The dead letter stays
 * until the relay settles the key, so a replay that fails again is visible (with attempts + 1).
 *
 * @example
 *   replayDeadLetters(db, { tbl: 'elements', rowKey: '[42]' }); relay.notify();
 */
export function replayDeadLetters(db: Database.Database, selector: DeadLetterSelector): number {
  const w = where(selector);
  const keys = db.prepare(`SELECT tbl, row_key AS rowKey FROM sync_errors ${w.sql}`).all(...w.params) as Array<{ tbl: string; rowKey: string }>;
  return enqueueRowKeys(db, keys);
}

/**
 * Deletes the selected dead letters without sending them again; answers how many. The index keeps
 * whatever it had for those documents (an audit finds the difference).
 */
export function discardDeadLetters(db: Database.Database, selector: DeadLetterSelector): number {
  const w = where(selector);
  return db.prepare(`DELETE FROM sync_errors ${w.sql}`).run(...w.params).changes;
}
