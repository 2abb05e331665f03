/**
 * Blue/green rebuild for an incompatible schema change: build `<name>_v<N+1>` while the relay writes
 * to both collections, backfill it, swap the alias, drop the old one. Every step is recorded in
 * `_sync_state` first, so a restart continues where the process died.
 */
import type Database from 'better-sqlite3';
import type { SearchBackend } from '@fountain/search';
import { backfill, backfillCheckpointKey, type BackfillProgress, type BackfillResult, type RunExclusive } from './backfill.ts';
import {
  collectionStateKey,
  createIfMissing,
  deleteState,
  diffSchema,
  ensureCollection,
  isCode,
  isEmptyDiff,
  physicalName,
  readState,
  versionOf,
  writeState,
  type CollectionState,
} from './collections.ts';
import type { DerivedTable } from './schema-derive.ts';

/**
 * Tells the relay which collections a table's changes go to. During a rebuild `[old, new]` (both
 * physical names); afterwards `[alias]`.
 */
export type SetTargets = (table: string, collections: string[]) => void | Promise<void>;

/** A rebuild in progress, under `bluegreen:<alias>` in `_sync_state`. */
export interface BlueGreenState {
  from: string;
  to: string;
  phase: 'backfill' | 'swap' | 'drop';
}

/** Options of {@link runBlueGreen}. */
export interface BlueGreenOptions {
  backend: SearchBackend;
  db: Database.Database;
  derived: DerivedTable;
  setTargets: SetTargets;
  runExclusive?: RunExclusive;
  onProgress?: (p: BackfillProgress) => void;
  batchSize?: number;
}

/** What a rebuild did. */
export interface BlueGreenResult {
  alias: string;
  from: string;
  to: string;
  /** True when it continued a rebuild found in `_sync_state`. */
  resumed: boolean;
  backfill: BackfillResult | null;
}

/** The `_sync_state` key of an alias's rebuild. */
export const blueGreenStateKey = (alias: string): string => `bluegreen:${alias}`;

/** The rebuild in progress for a table's alias, if any. */
export function pendingBlueGreen(db: Database.Database, derived: DerivedTable): BlueGreenState | undefined {
  return readState<BlueGreenState>(db, blueGreenStateKey(derived.decl.collection));
}

/**
 * The targets the relay must start with for a table: both collections while a rebuild recorded in
 * `_sync_state` is before its swap, else the alias. Use it before the relay's first batch after a
 * restart, or changes made before the rebuild resumes would miss the new collection.
 */
export function initialTargets(db: Database.Database, derived: DerivedTable): string[] {
  const s = pendingBlueGreen(db, derived);
  return s && s.phase !== 'drop' ? [s.from, s.to] : [derived.decl.collection];
}

/**
 * Rebuilds the table's collection with the derived schema, or continues the rebuild recorded in
 * `_sync_state`. The alias always points at a complete collection (no search downtime); changes made
 * during the backfill reach the new collection through the relay's dual writes (no lost write).
 *
 * @example
 *   await runBlueGreen({ backend, db, derived: deriveTable(db, decl), setTargets: relay.setTargets, runExclusive: relay.runExclusive });
 */
export async function runBlueGreen(opts: BlueGreenOptions): Promise<BlueGreenResult> {
  const { backend, db, derived } = opts;
  const alias = derived.decl.collection;
  const table = derived.decl.table;
  const key = blueGreenStateKey(alias);
  const exclusive: RunExclusive = opts.runExclusive ?? ((fn) => fn());
  let state = readState<BlueGreenState>(db, key);
  const resumed = state !== undefined;

  if (!state) {
    const { physical: from } = await ensureCollection(backend, db, derived);
    const n = (versionOf(alias, from) ?? 1) + 1;
    state = { from, to: physicalName(alias, n), phase: 'backfill' };
    // Recorded before the collection exists: a restart then finds (or creates) it by name.
    writeState(db, key, state);
  }

  let filled: BackfillResult | null = null;
  if (state.phase === 'backfill') {
    await prepareTarget(backend, db, derived, state.to);
    // Dual writes start before the first row is read: any change committed after the backfill reads a
    // row reaches the new collection through the relay, and runExclusive orders the two.
    await opts.setTargets(table, [state.from, state.to]);
    filled = await backfill({
      db,
      derived,
      backend,
      collection: state.to,
      checkpointKey: backfillCheckpointKey(state.to),
      ...(opts.batchSize !== undefined && { batchSize: opts.batchSize }),
      ...(opts.onProgress && { onProgress: opts.onProgress }),
      ...(opts.runExclusive && { runExclusive: opts.runExclusive }),
    });
    state = { ...state, phase: 'swap' };
    writeState(db, key, state);
  }

  if (state.phase === 'swap') {
    const s = state;
    // A restart in this phase re-arms the dual writes first (see initialTargets).
    await opts.setTargets(table, [s.from, s.to]);
    // Between relay batches: no batch is in flight to the old collection when the targets change, so
    // none can fail on it once it is dropped, and every batch before the swap reached both.
    await exclusive(async () => {
      await backend.upsertAlias(alias, s.to);
      writeState(db, collectionStateKey(alias), { physical: s.to, version: versionOf(alias, s.to) ?? 1 } satisfies CollectionState);
      await opts.setTargets(table, [alias]);
    });
    state = { ...state, phase: 'drop' };
    writeState(db, key, state);
  }

  await opts.setTargets(table, [alias]);
  try {
    if (state.from !== state.to) await backend.deleteCollection(state.from);
  } catch (err) {
    if (!isCode(err, 'NOT_FOUND')) throw err;
  }
  deleteState(db, key);
  return { alias, from: state.from, to: state.to, resumed, backfill: filled };
}

/**
 * Creates the new collection, or keeps the one a previous attempt created when its schema still
 * matches. When the table changed again since, it starts that collection (and its checkpoint) over.
 */
async function prepareTarget(backend: SearchBackend, db: Database.Database, derived: DerivedTable, to: string): Promise<void> {
  let live;
  try {
    live = await backend.getCollection(to);
  } catch (err) {
    if (!isCode(err, 'NOT_FOUND')) throw err;
  }
  const wanted = { ...live, num_documents: 0 };
  if (live && !isEmptyDiff(diffSchema(wanted as typeof live, derived.schema.fields))) {
    await backend.deleteCollection(to);
    deleteState(db, backfillCheckpointKey(to));
    live = undefined;
  }
  if (!live) {
    deleteState(db, backfillCheckpointKey(to));
    await createIfMissing(backend, to, derived);
  }
}
