/** The relay's public types: options, the handle, its statistics and the logger it needs. */
import type Database from 'better-sqlite3';
import type { SearchBackend } from '@fountain/search';
import type { SyncMetrics } from '../metrics.ts';
import type { DerivedTable } from '../schema-derive.ts';
import type { BackoffOptions } from './backoff.ts';

/** Anything pino-like: structured object first, message second. */
export interface SyncLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Options of `createRelay`. */
export interface RelayOptions {
  /** The relay's OWN connection to the service database; the relay sets WAL, busy_timeout, synchronous=NORMAL (connection.ts). */
  db: Database.Database;
  /** The synced tables (change them later with `setTables`). */
  tables: DerivedTable[];
  /** The transport: the gateway through `createTypesenseBackend`, or any other backend. */
  backend: SearchBackend;
  /** The target collections of a table: usually its alias, two collections during a blue/green rebuild. */
  collectionOf?: (table: DerivedTable) => string[];
  logger?: SyncLogger;
  metrics?: SyncMetrics;
  /** Outbox rows per batch (default 1000). */
  maxBatch?: number;
  /** How long a wake gathers more changes before reading a batch (default 5 ms). */
  maxWaitMs?: number;
  /** Fallback poll of the outbox (default 500 ms). */
  pollMs?: number;
  /** How often `PRAGMA data_version` is checked for other connections' commits (default 2 ms). */
  dataVersionMs?: number;
  /** Retry pacing of transient failures (default 100 ms doubling up to 30 s, full jitter). */
  backoff?: Partial<BackoffOptions>;
  /**
   * A cheap check that the index answers again (`startSync` asks the gateway's `/ready`). While the
   * relay backs off because the index was unavailable, it asks every `probeMs` and retries at once
   * when the answer is yes, instead of sleeping out a backoff of up to 30 s. Should answer within
   * about a second and never throw (a throw counts as no).
   */
  probe?: () => Promise<boolean>;
  /** How often the probe is asked during a backoff (default 250 ms). */
  probeMs?: number;
  /** The `_sync_lock` lease (default 15 s). */
  leaseMs?: number;
  /**
   * How long the relay's connection waits inside SQLite for the write lock (default 5000 ms).
   * better-sqlite3 waits synchronously, holding the event loop: a service that runs sync in its own
   * process lowers it (the sequence service uses 50); an ack refused for a busy database is retried
   * with backoff (the documents are sent again, which is idempotent).
   */
  busyTimeoutMs?: number;
  /**
   * Setup (SPEC.md, R10): runs each time this relay takes the lease, before its first batch, and
   * again before the next batch whenever `PRAGMA schema_version` moved since it last completed (R9):
   * collections, initial backfill, schema evolution. Only the lease holder should change collections.
   * A failure is retried with the same backoff as a transient send; no batch is sent until it
   * succeeds. Afterwards the relay derives its tables again if the schema moved and the hook did not
   * call `setTables`.
   */
  onLockAcquired?: () => Promise<void>;
  /**
   * Runs before every batch (after setup), e.g. to apply a schema change before sending rows that may
   * have new columns. Cheap when there is nothing to do; a failure is retried with backoff.
   */
  beforeBatch?: () => Promise<void>;
  /**
   * Called when a batch goes through after one or more failed attempts (an outage ended). Typesense
   * 0.24.1 can lose writes it had acknowledged when it is killed, so the orchestrator audits then.
   */
  onRecovered?: () => void;
}

/** What the relay is doing now: the states of SPEC.md. */
export type RelayState = 'stopped' | 'idle' | 'setting-up' | 'sending' | 'backoff' | 'waiting-for-lock';

/** Counters since start, for /sync/status and tests. */
export interface RelayStats {
  state: RelayState;
  holdsLock: boolean;
  batches: number;
  /** Outbox rows acknowledged (indexed, deleted or dead-lettered). */
  rowsAcked: number;
  upserted: number;
  deleted: number;
  deadLettered: number;
  transientFailures: number;
  misconfiguredFailures: number;
  /** The current retry attempt (0 when the last batch went through). */
  attempt: number;
  /** Backoffs cut short because the probe said the index answers again. */
  probeWakes: number;
  lastError: string | null;
  lastBatchAtMs: number | null;
}

/** A running relay. */
export interface Relay {
  /** Starts the loop (takes the lock first; waits for it if another process holds it). */
  start(): void;
  /** Stops after the in-flight batch, releases the lock. Does not close the connection. */
  stop(): Promise<void>;
  /** Wakes the relay at once (call it after a commit for the lowest latency). */
  notify(): void;
  /** Runs `fn` between batches, so nothing is sent while it runs (backfill, collection swaps). */
  runExclusive<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Resolves when the outbox (of the synced tables) is empty; rejects after `timeoutMs`. */
  drain(timeoutMs?: number): Promise<void>;
  /**
   * Replaces the synced tables (after a schema change); takes effect with the next batch.
   * `schemaVersion` is the `PRAGMA schema_version` read BEFORE deriving them (default: now).
   */
  setTables(tables: DerivedTable[], schemaVersion?: number): void;
  /**
   * Sets a table's target collections from the next batch on (overriding `collectionOf`). With
   * several, as `[old, new]` during a blue/green rebuild, only the last one's verdict counts: the
   * others get `dirty_values=coerce_or_drop` and their per-document rejections are ignored.
   */
  setTargets(table: string, collections: string[]): void;
  stats(): RelayStats;
  /** Records into these metrics from now on (the app's registry, made after sync started). */
  setMetrics(metrics: SyncMetrics): void;
}
