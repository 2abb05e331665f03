/**
 * Schema evolution at run time: notice a schema change cheaply (`PRAGMA schema_version`) and evolve the
 * collection to match: nothing, one PATCH, or a blue/green rebuild.
 */
import type Database from 'better-sqlite3';
import type { SearchBackend } from '@fountain/search';
import { AppError } from '@fountain/kit';
import { backfill, type BackfillProgress, type BackfillResult, type RunExclusive } from './backfill.ts';
import { applyCompatibleChange, diffSchema, ensureCollection } from './collections.ts';
import { pendingBlueGreen, runBlueGreen, type BlueGreenResult, type SetTargets } from './blue-green.ts';
import type { TableDeclaration } from './declaration.ts';
import { deriveTable, quoteIdent } from './schema-derive.ts';
import { schemaVersionReader } from './relay/schema-version.ts';

/** A schema watch: call `check()` from the relay's wake loop; a timer calls it too. */
export interface SchemaWatch {
  /** Reads `PRAGMA schema_version` (a header read, microseconds); calls onChange when it moved. */
  check(): boolean;
  stop(): void;
}

/**
 * Watches the database schema. `onChange` never runs twice at once: a change seen while it runs is
 * handled by one more call afterwards.
 *
 * @example
 *   const watch = createSchemaWatch(db, () => evolveAll(), { onError: (e) => logger.error(e) });
 */
export function createSchemaWatch(
  db: Database.Database,
  onChange: () => unknown,
  opts: { intervalMs?: number; onError?: (err: unknown) => void } = {},
): SchemaWatch {
  const read = schemaVersionReader(db);
  let last = read();
  let running = false;
  let again = false;
  const fire = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    again = false;
    void (async () => {
      try {
        await onChange();
      } catch (err) {
        opts.onError?.(err);
      } finally {
        running = false;
        if (again) fire();
      }
    })();
  };
  const check = (): boolean => {
    const now = read();
    if (now === last) return false;
    last = now;
    fire();
    return true;
  };
  const timer = setInterval(check, opts.intervalMs ?? 2000);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}

/** Options of {@link evolve}. */
export interface EvolveOptions {
  /** The relay's target setter; required for a blue/green rebuild. */
  setTargets?: SetTargets;
  runExclusive?: RunExclusive;
  onProgress?: (p: BackfillProgress) => void;
  batchSize?: number;
  /**
   * After a PATCH, re-send every row when a field was dropped (Typesense keeps the dropped value in
   * stored documents, and returns it in hits) or added from a column with a non-NULL default (existing
   * rows hold it, their documents don't). Default true.
   */
  resendAfterPatch?: boolean;
}

/** What {@link evolve} did. */
export interface EvolveResult {
  action: 'none' | 'patched' | 'blue-green';
  details: {
    alias: string;
    physical: string;
    added: string[];
    dropped: string[];
    /** Why a rebuild was needed (empty unless blue-green). */
    reasons: string[];
    resent?: BackfillResult;
    blueGreen?: BlueGreenResult;
  };
}

/**
 * Brings a table's collection in line with the table: derives the schema again, diffs it with the live
 * collection, then PATCHes compatible changes or rebuilds blue/green. Continues a rebuild that a
 * previous process left in `_sync_state`. Calling it again with no change sends nothing.
 */
export async function evolve(
  backend: SearchBackend,
  db: Database.Database,
  decl: TableDeclaration,
  opts: EvolveOptions = {},
): Promise<EvolveResult> {
  const derived = deriveTable(db, decl);
  const rebuild = async (reasons: string[], added: string[] = [], dropped: string[] = []): Promise<EvolveResult> => {
    if (!opts.setTargets) throw new Error(`sync: '${decl.collection}' needs a rebuild (${reasons.join('; ')}) but no setTargets was given`);
    const bg = await runBlueGreen({
      backend,
      db,
      derived,
      setTargets: opts.setTargets,
      ...(opts.runExclusive && { runExclusive: opts.runExclusive }),
      ...(opts.onProgress && { onProgress: opts.onProgress }),
      ...(opts.batchSize !== undefined && { batchSize: opts.batchSize }),
    });
    return { action: 'blue-green', details: { alias: bg.alias, physical: bg.to, added, dropped, reasons, blueGreen: bg } };
  };

  if (pendingBlueGreen(db, derived)) return rebuild(['continuing a rebuild recorded in _sync_state']);

  const { alias, physical } = await ensureCollection(backend, db, derived);
  const live = await backend.getCollection(physical);
  const diff = diffSchema(live, derived.schema.fields);
  const added = diff.add.map((f) => f.name);
  const dropped = diff.drop;
  if (diff.incompatible.length > 0) return rebuild(diff.incompatible, added, dropped);

  let patched: boolean;
  try {
    patched = await applyCompatibleChange(backend, physical, diff);
  } catch (err) {
    // Rejected as a whole before anything applied (0.24.1 validates the stored documents first), e.g.
    // a column re-added with a type its old stored values can't be coerced to: rebuild instead.
    if (err instanceof AppError && err.code === 'VALIDATION_ERROR') return rebuild([`PATCH rejected: ${err.message}`], added, dropped);
    throw err;
  }
  if (!patched) return { action: 'none', details: { alias, physical, added: [], dropped: [], reasons: [] } };

  const result: EvolveResult = { action: 'patched', details: { alias, physical, added, dropped, reasons: [] } };
  if ((opts.resendAfterPatch ?? true) && (dropped.length > 0 || hasDefault(db, decl.table, added))) {
    result.details.resent = await backfill({
      db,
      derived,
      backend,
      collection: physical,
      checkpointKey: `resend:${physical}`,
      ...(opts.runExclusive && { runExclusive: opts.runExclusive }),
      ...(opts.onProgress && { onProgress: opts.onProgress }),
      ...(opts.batchSize !== undefined && { batchSize: opts.batchSize }),
    });
  }
  return result;
}

/** True when one of the columns has a non-NULL default (its existing rows hold a value). */
function hasDefault(db: Database.Database, table: string, columns: string[]): boolean {
  if (columns.length === 0) return false;
  const info = db.prepare(`PRAGMA table_info(${quoteIdent(table)})`).all() as Array<{ name: string; dflt_value: string | null }>;
  return info.some((c) => columns.includes(c.name) && c.dflt_value !== null && c.dflt_value.toUpperCase() !== 'NULL');
}
