/**
 * Writing a batch's outcomes back, in one IMMEDIATE transaction fenced by the lock: sent keys leave the
 * outbox (only rows with `seq <= maxSeq`: a change made while the batch was in flight stays and is sent
 * next, with the newer row) and their dead letter, if any; rejected keys become dead letters.
 */
import type Database from 'better-sqlite3';
import { NOW_MS_SQL } from '../capture.ts';
import type { Batch, BatchItem } from './read-batch.ts';
import type { ItemOutcome } from './send.ts';

/** What an acknowledgement did. */
export interface AckResult {
  /** False when the lock was no longer ours: nothing was written. */
  fenced: boolean;
  /** Every item of the batch was indexed (nothing to retry, nothing rejected). */
  whole: boolean;
  rowsAcked: number;
  deadLettered: number;
  /** `created_ms` of every acknowledged outbox row of a sent (not rejected) key, for the lag metric. */
  indexedCreatedMs: number[];
}

/** The prepared acknowledgement of one connection. */
export type Acknowledge = (batch: Batch, outcomes: Map<BatchItem, ItemOutcome>) => AckResult;

/** Prepares the acknowledgement; `stillOwner` is checked inside the transaction, before any write. */
export function createAcknowledge(db: Database.Database, stillOwner: () => boolean): Acknowledge {
  const removeOutbox = db.prepare('DELETE FROM _sync_outbox WHERE tbl = ? AND row_key = ? AND seq <= ? RETURNING seq, created_ms AS createdMs');
  const clearError = db.prepare('DELETE FROM sync_errors WHERE tbl = ? AND row_key = ?');
  // When every key of a batch went through, its rows are exactly the outbox rows of its tables with
  // seq <= maxSeq (the batch read them in seq order, and SQLite's single writer plus AUTOINCREMENT
  // mean no row with a lower seq can commit later): one range delete instead of one per key.
  const removeRange = db
    .prepare('DELETE FROM _sync_outbox WHERE seq <= ? AND +tbl IN (SELECT value FROM json_each(?)) RETURNING created_ms')
    .pluck();
  const anyErrors = db.prepare('SELECT EXISTS (SELECT 1 FROM sync_errors)').pluck();
  const deadLetter = db.prepare(
    `INSERT INTO sync_errors (tbl, row_key, collection, doc_id, code, message, attempts, first_seen_ms, last_seen_ms, payload, seq_min, seq_max)
     VALUES (@tbl, @rowKey, @collection, @docId, @code, @message, 1, ${NOW_MS_SQL}, ${NOW_MS_SQL}, @payload, @seqMin, @seqMax)
     ON CONFLICT (tbl, row_key) DO UPDATE SET collection = excluded.collection, doc_id = excluded.doc_id,
       code = excluded.code, message = excluded.message, attempts = sync_errors.attempts + 1,
       last_seen_ms = excluded.last_seen_ms, payload = excluded.payload,
       seq_min = min(coalesce(sync_errors.seq_min, excluded.seq_min), coalesce(excluded.seq_min, sync_errors.seq_min)),
       seq_max = max(coalesce(sync_errors.seq_max, excluded.seq_max), coalesce(excluded.seq_max, sync_errors.seq_max))`,
  );
  const tx = db.transaction((batch: Batch, outcomes: Map<BatchItem, ItemOutcome>): AckResult => {
    const result: AckResult = { fenced: true, whole: false, rowsAcked: 0, deadLettered: 0, indexedCreatedMs: [] };
    // Another relay took the lease while we were sending (we stalled past it): it owns the outbox now.
    if (!stillOwner()) return { ...result, fenced: false };
    if ([...outcomes.values()].every((o) => o.kind === 'ok') && outcomes.size === batch.items.length) {
      const tables = JSON.stringify([...new Set(batch.items.map((i) => i.tbl))]);
      const created = removeRange.all(batch.maxSeq, tables) as number[];
      result.whole = true;
      result.rowsAcked = created.length;
      result.indexedCreatedMs = created;
      if (anyErrors.get() === 1) for (const item of batch.items) clearError.run(item.tbl, item.rowKey);
      return result;
    }
    for (const [item, o] of outcomes) {
      if (o.kind === 'retry') continue;
      const removed = removeOutbox.all(item.tbl, item.rowKey, batch.maxSeq) as Array<{ seq: number; createdMs: number }>;
      result.rowsAcked += removed.length;
      if (o.kind === 'ok') {
        clearError.run(item.tbl, item.rowKey);
        for (const r of removed) result.indexedCreatedMs.push(r.createdMs);
      } else {
        // The seq range of the changes this rejection stands for (none when a replay re-sent it).
        const seqs = removed.map((r) => r.seq);
        deadLetter.run({
          tbl: item.tbl,
          rowKey: item.rowKey,
          collection: o.collection,
          docId: item.docId,
          code: o.code,
          message: o.message,
          payload: item.line ?? JSON.stringify({ id: item.docId }),
          seqMin: seqs.length > 0 ? Math.min(...seqs) : null,
          seqMax: seqs.length > 0 ? Math.max(...seqs) : null,
        });
        result.deadLettered++;
      }
    }
    return result;
  });
  return (batch, outcomes) => tx.immediate(batch, outcomes);
}
