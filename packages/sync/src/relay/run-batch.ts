/**
 * One batch, step by step (SPEC.md, R1, R4, R5, R9): take it (the read-ahead, or a fresh read),
 * gate it on the schema version, fence it with the lease, send it while reading the next one,
 * acknowledge it, then settle its outcomes (settle-batch.ts).
 */
import type { SearchBackend } from '@fountain/search';
import type { DerivedTable } from '../schema-derive.ts';
import type { Acknowledge } from './acknowledge.ts';
import type { Counters } from './counters.ts';
import type { Lease } from './lease.ts';
import type { Batch, BatchReader } from './read-batch.ts';
import type { SchemaVersion } from './schema-version.ts';
import { sendBatch } from './send.ts';
import { settleBatch, type BatchLimit, type StepResult } from './settle-batch.ts';
import type { SyncLogger } from './types.ts';
import type { Alarm } from './wake.ts';

/** What a batch needs from the relay. */
export interface BatchDeps {
  backend: SearchBackend;
  reader: () => BatchReader;
  tables: () => readonly DerivedTable[];
  collectionOf: (table: DerivedTable) => string[];
  schema: SchemaVersion;
  lease: Lease;
  acknowledge: Acknowledge;
  counters: Counters;
  limit: BatchLimit;
  alarm: Alarm;
  logger: SyncLogger;
  attempt: () => number;
  /** Whether the relay still runs (a read-ahead is not read after stop). */
  running: () => boolean;
  /** A batch with rows is about to be sent (`batch-read`). */
  onBatchRead: () => void;
}

/** The batch step, with the read-ahead it keeps between two batches. */
export interface BatchRunner {
  run(): Promise<StepResult>;
  /** Drops the read-ahead (a job, new tables): the outbox is read again from the start. */
  dropReadAhead(): void;
}

/** The batch step of one relay. */
export function createBatchRunner(deps: BatchDeps): BatchRunner {
  // The batch read ahead while the previous one was in flight (R5).
  let readAhead: Batch | null = null;

  const take = (): Batch => {
    const batch = readAhead;
    readAhead = null;
    if (batch !== null) return batch;
    deps.alarm.clear();
    return deps.reader().read(deps.limit.get());
  };

  /** Reads the batch after `afterSeq` once the request in flight is on its way; null if that fails. */
  const readNext = async (afterSeq: number): Promise<Batch | null> => {
    await new Promise((r) => setImmediate(r));
    if (!deps.running()) return null;
    try {
      deps.alarm.clear();
      return deps.reader().read(deps.limit.get(), afterSeq);
    } catch {
      // Busy past busy_timeout or the like: the next batch reads the outbox again.
      deps.alarm.wake();
      return null;
    }
  };

  const run = async (): Promise<StepResult> => {
    const batch = take();
    if (batch.schemaVersion !== deps.schema.tablesAt()) {
      // R9: rows may have columns the collection doesn't know yet. Setup runs first, then a re-read.
      deps.alarm.wake();
      return { kind: 'dropped' };
    }
    if (batch.rows === 0) return { kind: 'empty' };
    deps.onBatchRead();
    deps.counters.batchRead(batch.rows);
    const targets = new Map(deps.tables().map((t) => [t.decl.table, deps.collectionOf(t)]));
    // R4, the fence before the send: a relay that stalled past its lease while a newer one took over
    // must not send what it read before, or it could overwrite newer documents.
    if (!deps.lease.confirm()) return { kind: 'lost', rows: 0 };
    const sending = sendBatch(deps.backend, batch.items, (item) => targets.get(item.tbl) ?? [], (s) => deps.counters.importSeconds(s));
    // Handled here so a failure while the read-ahead runs isn't an unhandled rejection; awaited below.
    sending.catch(() => undefined);
    const next = batch.rows >= deps.limit.get() ? await readNext(batch.maxSeq) : null;
    const sent = await sending;
    const ack = deps.acknowledge(batch, sent.outcomes);
    // R5: the read-ahead is used only after the batch in flight went through whole.
    if (ack.fenced && ack.whole && next !== null && next.rows > 0) readAhead = next;
    return settleBatch({ acknowledge: deps.acknowledge, counters: deps.counters, limit: deps.limit, logger: deps.logger, attempt: deps.attempt }, batch, sent, ack);
  };

  return { run, dropReadAhead: () => void (readAhead = null) };
}
