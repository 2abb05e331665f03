/**
 * Outcome accounting (SPEC.md, "Counters"): the relay's counters and the metrics they feed. Only
 * counting lives here; what a batch's outcome means is settle-batch.ts's.
 */
import type { SyncMetrics } from '../metrics.ts';
import type { AckResult } from './acknowledge.ts';
import type { SendResult } from './send.ts';
import type { RelayStats } from './types.ts';

/** The counters of {@link RelayStats}; the state, the lease, the attempt and the probe wakes are kept elsewhere. */
export type Counts = Omit<RelayStats, 'state' | 'holdsLock' | 'attempt' | 'probeWakes'>;

/** The relay's counters and metrics. */
export interface Counters {
  readonly counts: Readonly<Counts>;
  /** Records into these metrics from now on (the app's registry, made after sync started). */
  setMetrics(metrics: SyncMetrics): void;
  /** A batch with rows was read and is about to be sent. */
  batchRead(rows: number): void;
  /** One import request took this long. */
  importSeconds(seconds: number): void;
  /** A fenced acknowledgement of a sent batch. */
  acknowledged(ack: AckResult, sent: SendResult): void;
  /** Keys dead-lettered outside an acknowledgement's counts (a single document too large). */
  deadLettered(n: number): void;
  /** A retry owed, by kind. */
  failed(kind: 'transient' | 'misconfigured'): void;
  /** The last failure, for `stats().lastError`. */
  lastError(message: string): void;
}

/** Zeroed counters recording into `metrics` (if any). */
export function createCounters(metrics: SyncMetrics | undefined): Counters {
  const counts: Counts = {
    batches: 0,
    rowsAcked: 0,
    upserted: 0,
    deleted: 0,
    deadLettered: 0,
    transientFailures: 0,
    misconfiguredFailures: 0,
    lastError: null,
    lastBatchAtMs: null,
  };
  return {
    counts,
    setMetrics: (m) => void (metrics = m),
    batchRead: (rows) => metrics?.batchSize.observe(rows),
    importSeconds: (s) => metrics?.importDuration.observe(s),
    acknowledged(ack, sent) {
      counts.batches++;
      counts.lastBatchAtMs = Date.now();
      counts.rowsAcked += ack.rowsAcked;
      counts.upserted += sent.upserted;
      counts.deleted += sent.deleted;
      counts.deadLettered += ack.deadLettered;
      const now = Date.now();
      for (const ms of ack.indexedCreatedMs) metrics?.commitToIndexed.observe(Math.max(0, now - ms) / 1000);
      if (ack.deadLettered > 0) metrics?.failures.inc({ kind: 'permanent' }, ack.deadLettered);
    },
    deadLettered(n) {
      counts.deadLettered += n;
      metrics?.failures.inc({ kind: 'permanent' }, n);
    },
    failed(kind) {
      if (kind === 'transient') counts.transientFailures++;
      else counts.misconfiguredFailures++;
      metrics?.failures.inc({ kind });
    },
    lastError: (message) => void (counts.lastError = message),
  };
}
