/**
 * @fountain/sync: change capture, relay, schema evolution, backfill and audit for a service's SQLite
 * tables. A service declares its tables and calls `startSync` (docs/sync.md).
 */
export { startSync, type StartSyncOptions, type Sync } from './start-sync.ts';
export { outboxWatermark, type IndexWaitResult, type RejectedDocument } from './index-wait.ts';
export { deferCheckpoints, startCheckpointer, type Checkpointer, type CheckpointStats } from './checkpoint.ts';
export type { FieldOverride, Row, TableDeclaration } from './declaration.ts';
export { deriveTable, fieldTypeOf, type DerivedTable } from './schema-derive.ts';
export { documentId, toDocument } from './document.ts';
export { installCapture, enqueueKeys } from './capture.ts';
export { writeTransactionAsync, isBusy, databaseBusy, DEFAULT_LOCK_WAIT_MS } from './write-lock.ts';
export { createRelay, type Relay, type RelayOptions, type RelayStats, type SyncLogger } from './relay/index.ts';
export { listDeadLetters, replayDeadLetters, discardDeadLetters, type DeadLetter, type DeadLetterSelector } from './dead-letters.ts';
export { syncAdminRoutes, type SyncAdminTarget } from './admin-routes.ts';
export { createSyncMetrics, type SyncMetrics } from './metrics.ts';
export { ensureCollection, diffSchema, applyCompatibleChange } from './collections.ts';
export { evolve, createSchemaWatch } from './schema-watch.ts';
export { runBlueGreen } from './blue-green.ts';
export { backfill, formatProgress, type BackfillProgress, type BackfillResult } from './backfill.ts';
export { audit, repair, type AuditReport } from './audit.ts';
export { syncPlugin, wantsIndexWait, type SyncPluginOptions } from './plugin.ts';
export { writeTransaction, trackWrites, type TransactionMode, type WriteRange } from './write-context.ts';
