/**
 * What a sent batch's outcomes mean (SPEC.md, R3, R6, R7): counted after its fenced
 * acknowledgement, then the next step: go on, halve the batch after a 413 (dead-lettering a single
 * document too large on its own), or retry with backoff.
 */
import type { Acknowledge, AckResult } from './acknowledge.ts';
import type { Counters } from './counters.ts';
import type { Batch } from './read-batch.ts';
import type { RequestFailure, SendResult } from './send.ts';
import type { SyncLogger } from './types.ts';

/** The result of one step of the loop: what the relay does next (SPEC.md, "Events"). */
export type StepResult =
  /** `outbox-empty`: nothing to send; idle until a wake. */
  | { kind: 'empty' }
  /** Read under another schema version than the tables': not sent; read again after setup. */
  | { kind: 'dropped' }
  /** `lease-lost`: another relay holds the lease; nothing was sent, or the ack wrote nothing. */
  | { kind: 'lost'; rows: number }
  /** `batch-done`: acknowledged with nothing owed a retry (a 413 included). */
  | { kind: 'done'; rows: number }
  /** `retry`: a backoff is owed; `probeable` when the index was unavailable. */
  | { kind: 'retry'; rows: number; probeable: boolean };

/** The batch limit (SPEC.md, R6): halved on a 413, doubled back after each good batch. */
export interface BatchLimit {
  get(): number;
  halve(): number;
  grow(): void;
}

/** A limit starting at `max`. */
export function createBatchLimit(max: number): BatchLimit {
  let limit = max;
  return {
    get: () => limit,
    halve: () => (limit = Math.max(1, Math.floor(limit / 2))),
    grow: () => void (limit = Math.min(max, limit * 2)),
  };
}

/** What settling a batch needs. */
export interface SettleContext {
  acknowledge: Acknowledge;
  counters: Counters;
  limit: BatchLimit;
  logger: SyncLogger;
  /** The retry attempt now (before this batch's failure is counted). */
  attempt: () => number;
}

/** Counts a fenced acknowledgement and decides the next step. */
export function settleBatch(ctx: SettleContext, batch: Batch, sent: SendResult, ack: AckResult): StepResult {
  if (!ack.fenced) return { kind: 'lost', rows: batch.rows };
  ctx.counters.acknowledged(ack, sent);
  if (ack.deadLettered > 0) ctx.logger.warn({ count: ack.deadLettered }, 'sync relay: documents rejected by the index, moved to sync_errors');
  const f = sent.failure;
  if (f === null) return settleAnswered(ctx, batch, sent);
  ctx.counters.lastError(`${f.kind} (${f.collection}): ${f.message}`);
  if (f.kind === 'too-large') return tooLarge(ctx, batch, f);
  return requestFailed(ctx, batch, f);
}

/** Every request was answered: done, unless some keys were left to retry. */
function settleAnswered(ctx: SettleContext, batch: Batch, sent: SendResult): StepResult {
  const unsettled = [...sent.outcomes.values()].filter((o) => o.kind === 'retry').length;
  if (unsettled > 0) {
    // Per-document 5xx (a cluster without a leader) or a table with no target collection.
    ctx.counters.failed('transient');
    ctx.logger.warn({ unsettled }, 'sync relay: some documents were not accepted yet; retrying');
    return { kind: 'retry', rows: batch.rows, probeable: true };
  }
  ctx.limit.grow();
  return { kind: 'done', rows: batch.rows };
}

/** A 413: smaller batches from now on; a single document too large on its own can never pass. */
function tooLarge(ctx: SettleContext, batch: Batch, f: RequestFailure): StepResult {
  const batchLimit = ctx.limit.halve();
  ctx.logger.warn({ collection: f.collection, batchLimit }, 'sync relay: request too large; sending smaller batches');
  const item = batch.items.length <= 1 ? batch.items[0] : undefined;
  if (item) {
    const outcomes = new Map([[item, { kind: 'permanent' as const, collection: f.collection, code: 413, message: f.message }]]);
    ctx.counters.deadLettered(ctx.acknowledge(batch, outcomes).deadLettered);
  }
  return { kind: 'done', rows: batch.rows };
}

/** A whole request failed: never a dead letter (no single document is to blame); a retry. */
function requestFailed(ctx: SettleContext, batch: Batch, f: RequestFailure): StepResult {
  if (f.kind === 'misconfigured') {
    ctx.counters.failed('misconfigured');
    // Loud: no amount of waiting fixes a wrong key or a missing collection; an operator must.
    ctx.logger.error(
      { collection: f.collection, err: f.error, attempt: ctx.attempt() + 1 },
      'sync relay: the search gateway refused a whole request (wrong service key, missing collection or scope?); retrying with backoff, nothing is dead-lettered',
    );
  } else {
    ctx.counters.failed('transient');
    ctx.logger.warn({ collection: f.collection, err: f.message, attempt: ctx.attempt() + 1 }, 'sync relay: search backend unavailable; retrying with backoff');
  }
  return { kind: 'retry', rows: batch.rows, probeable: f.kind === 'transient' };
}
