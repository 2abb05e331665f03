/**
 * The sync runner's declaration file (YAML or JSON): the database, the tables and their collections,
 * id columns and field overrides. It is checked whole at start, against its schema and against the
 * database itself, and every problem is listed at once: a typo in a table or column name, or an
 * override that can't apply to its column, is refused before anything is installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '@fountain/kit';
import type { FieldType } from '@fountain/search';
import type { TableDeclaration } from '../declaration.ts';
import { fieldTypeOf, tableColumns, type ColumnInfo } from '../schema-derive.ts';

/** Field types a declaration may name (the ones both search backends support). */
export const FIELD_TYPES = ['string', 'int32', 'int64', 'float', 'bool', 'string[]', 'int32[]', 'int64[]', 'float[]', 'bool[]', 'object', 'object[]', 'string*'] as const;

const Name = Type.String({ minLength: 1, pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
const FieldOverrideSchema = Type.Object(
  {
    exclude: Type.Optional(Type.Boolean()),
    facet: Type.Optional(Type.Boolean()),
    sort: Type.Optional(Type.Boolean()),
    optional: Type.Optional(Type.Boolean()),
    index: Type.Optional(Type.Boolean()),
    // Checked against FIELD_TYPES by tableProblems, which names the choices.
    type: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
const TableSchema = Type.Object(
  {
    table: Name,
    collection: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_-]+$' }),
    idColumns: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })),
    fields: Type.Optional(Type.Record(Type.String(), FieldOverrideSchema)),
    defaultSortingField: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

/** The declaration file's shape. Keys never live in it: they come from the environment. */
export const DeclarationFileSchema = Type.Object(
  {
    database: Type.String({ minLength: 1, description: 'The SQLite file, relative to the declaration file.' }),
    gateway: Type.Optional(Type.Object({ url: Type.Optional(Type.String({ pattern: '^https?://[^/]+' })) }, { additionalProperties: false })),
    server: Type.Optional(
      Type.Object({ port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })), host: Type.Optional(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
    ),
    auditIntervalSeconds: Type.Optional(Type.Integer({ minimum: 0 })),
    tables: Type.Array(TableSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

/** A declaration file as written. */
export type DeclarationFile = Static<typeof DeclarationFileSchema>;

/** What the runner needs from a checked file: the database path (resolved) and the tables. */
export interface CheckedDeclaration {
  file: DeclarationFile;
  /** The database file, absolute. */
  database: string;
  tables: TableDeclaration[];
}

/** `/tables/0/fields/tags/facet` as `tables[0].fields.tags.facet`. */
function pathOf(pointer: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (parts.length === 0) return '(top level)';
  return parts.reduce((out, p) => (/^\d+$/.test(p) ? `${out}[${p}]` : out === '' ? p : `${out}.${p}`), '');
}

/** The schema errors as one readable line per problem (unions of literals named, duplicates dropped). */
export function shapeProblems(value: unknown): string[] {
  const problems: string[] = [];
  const allowed = new Map<string, unknown[]>();
  const errors = [...Value.Errors(DeclarationFileSchema, value)];
  for (const e of errors) if (e.keyword === 'const') allowed.set(e.instancePath, [...(allowed.get(e.instancePath) ?? []), (e.params as { allowedValue: unknown }).allowedValue]);
  const seen = new Set<string>();
  for (const e of errors) {
    let line: string | undefined;
    if (e.keyword === 'additionalProperties') {
      for (const key of (e.params as { additionalProperties: string[] }).additionalProperties) {
        problems.push(`${pathOf(`${e.instancePath}/${key}`)}: unknown key`);
      }
      continue;
    } else if (e.keyword === 'anyOf' && allowed.has(e.instancePath)) {
      line = `${pathOf(e.instancePath)}: must be one of ${allowed.get(e.instancePath)!.join(', ')} (got ${JSON.stringify(valueAt(value, e.instancePath))})`;
    } else if (e.keyword === 'const' || (e.keyword === 'boolean' && e.message === 'schema is false')) {
      continue;
    } else if (e.keyword === 'required') {
      for (const key of (e.params as { requiredProperties: string[] }).requiredProperties) problems.push(`${pathOf(`${e.instancePath}/${key}`)}: is required`);
      continue;
    } else {
      line = `${pathOf(e.instancePath)}: ${e.message} (got ${JSON.stringify(valueAt(value, e.instancePath))})`;
    }
    if (!seen.has(e.instancePath)) problems.push(line);
    seen.add(e.instancePath);
  }
  return problems;
}

function valueAt(value: unknown, pointer: string): unknown {
  let v = value;
  for (const p of pointer.split('/').slice(1)) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** Whether a column of the given declared SQLite type can be indexed as `type`. */
export function overrideFits(declaredType: string, type: FieldType): boolean {
  const derived = fieldTypeOf(declaredType);
  if (derived === null) return false; // BLOB: never indexed
  // Text holds any JSON (arrays, objects: parsed by toDocument) and any string-like value.
  if (derived === 'string') return !['int32', 'int64', 'float', 'bool'].includes(type);
  if (derived === 'int64') return ['int32', 'int64', 'float', 'bool', 'string'].includes(type);
  if (derived === 'float') return ['float', 'string'].includes(type);
  return ['bool', 'int32', 'int64', 'string'].includes(type); // bool
}

/** The problems of one table against the database. Tolerant of a bad shape: checks what it can read. */
function tableProblems(db: Database.Database, raw: unknown, at: string): string[] {
  const t = (raw ?? {}) as Partial<Record<keyof Static<typeof TableSchema>, unknown>>;
  if (typeof t.table !== 'string') return [];
  const fields = t.fields !== null && typeof t.fields === 'object' ? (t.fields as Record<string, Record<string, unknown> | null>) : {};
  const problems: string[] = [];
  for (const [name, o] of Object.entries(fields)) {
    if (typeof o?.type === 'string' && !(FIELD_TYPES as readonly string[]).includes(o.type)) {
      problems.push(`${at}.fields.${name}.type: must be one of ${FIELD_TYPES.join(', ')} (got ${JSON.stringify(o.type)})`);
    }
  }
  let columns: ColumnInfo[];
  try {
    columns = tableColumns(db, t.table);
  } catch {
    const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '\\_sync%' ESCAPE '\\' AND name <> 'sync_errors' ORDER BY name").pluck().all();
    return [...problems, `${at}.table: the database has no table '${t.table}' (its tables: ${names.join(', ') || 'none'})`];
  }
  const byName = new Map(columns.map((c) => [c.name, c]));
  const list = columns.map((c) => c.name).join(', ');
  for (const c of Array.isArray(t.idColumns) ? t.idColumns : []) {
    if (typeof c === 'string' && c !== 'rowid' && !byName.has(c)) problems.push(`${at}.idColumns: '${t.table}' has no column '${c}' (its columns: ${list})`);
  }
  for (const [name, o] of Object.entries(fields)) {
    const col = byName.get(name);
    const type = o?.type;
    if (!col) {
      problems.push(`${at}.fields.${name}: '${t.table}' has no column '${name}' (its columns: ${list})`);
    } else if (typeof type === 'string' && (FIELD_TYPES as readonly string[]).includes(type) && !overrideFits(col.declaredType, type as FieldType)) {
      problems.push(`${at}.fields.${name}.type: column '${name}' is ${col.declaredType || 'untyped'}; its values can't be indexed as ${type}`);
    }
  }
  if (typeof t.defaultSortingField === 'string') {
    const col = byName.get(t.defaultSortingField);
    const o = fields[t.defaultSortingField] ?? {};
    const type = typeof o.type === 'string' ? o.type : col ? fieldTypeOf(col.declaredType) : null;
    if (!col) problems.push(`${at}.defaultSortingField: '${t.table}' has no column '${t.defaultSortingField}'`);
    else if (!['int32', 'int64', 'float'].includes(type ?? '') || o.exclude === true || o.optional === true || !(col.notNull || col.pk > 0)) {
      problems.push(`${at}.defaultSortingField: '${t.defaultSortingField}' must be a numeric NOT NULL column that is indexed`);
    }
  }
  return problems;
}

/**
 * Reads and checks a declaration file against its schema and the database it names; throws one
 * `ConfigError` (the kit's) listing every problem.
 *
 * @example
 *   const { database, tables } = loadDeclarationFile('./sync.yaml');
 */
export function loadDeclarationFile(path: string): CheckedDeclaration {
  const fail = (problems: string[]): never => {
    throw new ConfigError(problems, `Invalid sync declaration ${path}`);
  };
  if (!existsSync(path)) fail(['the file does not exist']);
  let value: unknown;
  try {
    // YAML is a superset of JSON: one parser for both.
    value = parseYaml(readFileSync(path, 'utf8'), { prettyErrors: true });
  } catch (err) {
    const message = err instanceof Error ? err.message.trim() : String(err);
    // A type with brackets in a flow mapping ({ type: string[] }) is the classic YAML trap.
    const hint = /flow-seq|\[\]/.test(message) ? "\n    (quote field types with brackets: type: 'string[]')" : '';
    fail([`not valid YAML or JSON: ${message.replace(/\n/g, '\n    ')}${hint}`]);
  }
  const problems = shapeProblems(value);
  const file = value as DeclarationFile;
  const database = typeof file?.database === 'string' ? resolve(dirname(path), file.database) : '';
  const tables = Array.isArray(file?.tables) ? file.tables : [];
  for (const key of ['table', 'collection'] as const) {
    const names = tables.map((t) => (t as Record<string, unknown> | null)?.[key]).filter((n) => typeof n === 'string');
    for (const dup of new Set(names.filter((n, i) => names.indexOf(n) !== i))) problems.push(`tables: ${key} '${String(dup)}' is declared more than once`);
  }
  if (database !== '' && !existsSync(database)) {
    problems.push(`database: no file at ${database} (start the program that creates it first; the runner never creates a database)`);
  } else if (database !== '') {
    const db = new Database(database, { readonly: true, fileMustExist: true });
    try {
      tables.forEach((t: unknown, i) => {
        const name = (t as { table?: unknown } | null)?.table;
        problems.push(...tableProblems(db, t, `tables[${i}]${typeof name === 'string' ? ` (${name})` : ''}`));
      });
    } catch (err) {
      problems.push(`database: ${database} can't be read as SQLite (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      db.close();
    }
  }
  if (problems.length > 0) fail(problems);
  // Every type was checked against FIELD_TYPES above.
  return { file, database, tables: file.tables.map((t) => ({ ...t }) as TableDeclaration) };
}
