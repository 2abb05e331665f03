/**
 * The collection behind a declared table: the declared name is an alias to a physical collection
 * `<name>_v<N>` (docs/sync.md, "Schema evolution"), recorded in `_sync_state`; plus the schema diff
 * and the one compatible PATCH that 0.24.1 allows.
 */
import type Database from 'better-sqlite3';
import { AppError } from '@fountain/kit';
import type { CollectionInfo, FieldSchema, SearchBackend } from '@fountain/search';
import type { DerivedTable } from './schema-derive.ts';

const STATE_DDL = 'CREATE TABLE IF NOT EXISTS _sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)';

/** Creates `_sync_state` if absent (the capture module runs the same DDL). */
export function ensureStateTable(db: Database.Database): void {
  db.exec(STATE_DDL);
}

/** Reads one JSON value from `_sync_state`; undefined when absent. */
export function readState<T>(db: Database.Database, key: string): T | undefined {
  ensureStateTable(db);
  const row = db.prepare('SELECT value FROM _sync_state WHERE key = ?').get(key) as { value: string } | undefined;
  return row ? (JSON.parse(row.value) as T) : undefined;
}

/** Writes one JSON value to `_sync_state` (its own small transaction: durable before the next step). */
export function writeState(db: Database.Database, key: string, value: unknown): void {
  ensureStateTable(db);
  db.prepare('INSERT INTO _sync_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
    key,
    JSON.stringify(value),
  );
}

/** Removes one key from `_sync_state`. */
export function deleteState(db: Database.Database, key: string): void {
  ensureStateTable(db);
  db.prepare('DELETE FROM _sync_state WHERE key = ?').run(key);
}

/** What `_sync_state` holds under `collection:<alias>`. */
export interface CollectionState {
  physical: string;
  version: number;
}

/** The `_sync_state` key of an alias's physical collection. */
export const collectionStateKey = (alias: string): string => `collection:${alias}`;

/** The physical collection name of version `n` of an alias. */
export function physicalName(alias: string, version: number): string {
  return `${alias}_v${version}`;
}

/** The version number of a physical name `<alias>_v<N>`, or null when it isn't one. */
export function versionOf(alias: string, physical: string): number | null {
  const m = physical.startsWith(`${alias}_v`) ? /^(\d+)$/.exec(physical.slice(alias.length + 2)) : null;
  return m ? Number(m[1]) : null;
}

/** True for an AppError with the given code. */
export function isCode(err: unknown, code: AppError['code']): boolean {
  return err instanceof AppError && err.code === code;
}

/**
 * Makes sure the declared collection exists as an alias to a physical `<name>_v<N>`: creates `_v1` and
 * the alias when absent, re-creates a missing physical target, and records the physical name in
 * `_sync_state`. Idempotent. Throws when a plain collection already holds the alias's name.
 */
export async function ensureCollection(
  backend: SearchBackend,
  db: Database.Database,
  derived: DerivedTable,
): Promise<{ alias: string; physical: string }> {
  const alias = derived.decl.collection;
  let physical: string | null = null;
  try {
    physical = (await backend.getAlias(alias)).collection_name;
  } catch (err) {
    if (!isCode(err, 'NOT_FOUND')) throw err;
  }
  if (physical === null) {
    // No alias: a collection with that very name would shadow it (Typesense refuses the alias).
    let plain = false;
    try {
      await backend.getCollection(alias);
      plain = true;
    } catch (err) {
      if (!isCode(err, 'NOT_FOUND')) throw err;
    }
    if (plain) {
      throw new Error(
        `sync: '${alias}' is a plain collection, but sync needs '${alias}' to be an alias to '${physicalName(alias, 1)}'. ` +
          `Move it out of the way (delete it, or rename by exporting it), then restart: sync backfills the new collection from '${derived.decl.table}'.`,
      );
    }
    const known = readState<CollectionState>(db, collectionStateKey(alias));
    physical = known?.physical ?? physicalName(alias, 1);
  }
  await createIfMissing(backend, physical, derived);
  // Alias after the collection: it must never point at nothing that searches could hit.
  await backend.upsertAlias(alias, physical);
  writeState(db, collectionStateKey(alias), { physical, version: versionOf(alias, physical) ?? 1 } satisfies CollectionState);
  return { alias, physical };
}

/** Creates a physical collection with the derived schema unless it exists (a crash may have left it). */
export async function createIfMissing(backend: SearchBackend, physical: string, derived: DerivedTable): Promise<void> {
  try {
    await backend.getCollection(physical);
    return;
  } catch (err) {
    if (!isCode(err, 'NOT_FOUND')) throw err;
  }
  try {
    await backend.createCollection({ name: physical, ...derived.schema });
  } catch (err) {
    if (!isCode(err, 'CONFLICT')) throw err;
  }
}

/** The result of comparing a live collection with the wanted fields. */
export interface SchemaDiff {
  /** Fields to add (PATCH). */
  add: FieldSchema[];
  /** Field names to drop (PATCH). */
  drop: string[];
  /** Why the change can't be made in place; non-empty means a blue/green rebuild. */
  incompatible: string[];
}

type Attrs = Required<Pick<FieldSchema, 'type' | 'facet' | 'optional' | 'index' | 'sort' | 'infix'>>;
const NUMERIC_OR_BOOL = new Set(['int32', 'int64', 'float', 'bool']);

/** A field with Typesense 0.24.1's defaults filled in, so a live and a wanted field compare equal. */
function attrs(f: FieldSchema): Attrs {
  const index = f.index ?? true;
  return {
    type: f.type,
    facet: f.facet ?? false,
    optional: f.optional ?? false,
    index,
    // Typesense makes numeric and bool fields sortable by default, strings only on request.
    sort: f.sort ?? (index && NUMERIC_OR_BOOL.has(f.type)),
    infix: f.infix ?? false,
  };
}

/**
 * Diffs a live collection with the wanted fields. Added and dropped fields are compatible (one PATCH).
 * Everything else is incompatible and needs a blue/green rebuild:
 * - a changed type: 0.24.1 only changes a type by drop + re-add in one PATCH, which it rejects when
 *   stored values can't be coerced, and which blocks the collection while it re-indexes;
 * - a changed facet/index/sort/optional/infix: same drop + re-add, same blocking re-index;
 * - a required field added to a non-empty collection: 0.24.1 rejects it (existing documents lack it);
 * - dropping the default sorting field: 0.24.1 rejects it.
 */
export function diffSchema(live: CollectionInfo, wanted: FieldSchema[]): SchemaDiff {
  const liveByName = new Map(live.fields.map((f) => [f.name, f]));
  const wantedNames = new Set(wanted.map((f) => f.name));
  const diff: SchemaDiff = { add: [], drop: [], incompatible: [] };
  for (const w of wanted) {
    const l = liveByName.get(w.name);
    if (!l) {
      if (!(w.optional ?? false) && live.num_documents > 0) {
        diff.incompatible.push(`field '${w.name}': required field added to a collection that has documents`);
      }
      diff.add.push(w);
      continue;
    }
    const a = attrs(l);
    const b = attrs(w);
    for (const k of Object.keys(a) as Array<keyof Attrs>) {
      if (a[k] !== b[k]) diff.incompatible.push(`field '${w.name}': ${k} ${String(a[k])} -> ${String(b[k])}`);
    }
  }
  for (const l of live.fields) {
    // Wildcard and nested-object fields are Typesense's own bookkeeping, not columns.
    if (wantedNames.has(l.name) || l.name.includes('.*') || l.name === '.*') continue;
    if (l.name === live.default_sorting_field) {
      diff.incompatible.push(`field '${l.name}': the default sorting field can't be dropped`);
    }
    diff.drop.push(l.name);
  }
  return diff;
}

/** True when the diff asks for nothing. */
export function isEmptyDiff(diff: SchemaDiff): boolean {
  return diff.add.length === 0 && diff.drop.length === 0 && diff.incompatible.length === 0;
}

/**
 * Applies the compatible part of a diff as ONE PATCH (drops, then adds), re-checked against the live
 * collection right before, so a repeat (or a diff that another process already applied) sends nothing.
 * 0.24.1's PATCH is not idempotent and blocks: never call it blind, never retry it. Answers whether a
 * PATCH was sent. Throws when the diff has incompatible parts.
 */
export async function applyCompatibleChange(backend: SearchBackend, physical: string, diff: SchemaDiff): Promise<boolean> {
  if (diff.incompatible.length > 0) {
    throw new Error(`sync: '${physical}' needs a rebuild, not a PATCH: ${diff.incompatible.join('; ')}`);
  }
  const live = await backend.getCollection(physical);
  const liveNames = new Set(live.fields.map((f) => f.name));
  const drop = diff.drop.filter((n) => liveNames.has(n));
  const add = diff.add.filter((f) => !liveNames.has(f.name));
  if (drop.length === 0 && add.length === 0) return false;
  await backend.updateCollection(physical, {
    fields: [...drop.map((name) => ({ name, drop: true }) as FieldSchema), ...add],
  });
  return true;
}
