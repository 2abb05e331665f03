/**
 * Validation and normalization of collection schemas, with Typesense 0.24.1's messages. The embedded
 * engine supports the flat subset of field types; anything else is rejected loudly rather than
 * half-supported.
 */
import type { CollectionSchema, CollectionUpdate, FieldSchema, FieldType } from '../backend.ts';
import { invalid } from './errors.ts';

/** A field after defaults are filled in, as Typesense shows it. */
export type NormalizedField = Required<Pick<FieldSchema, 'name' | 'type' | 'facet' | 'optional' | 'index' | 'sort' | 'infix' | 'locale'>>;

/** A collection schema with every default filled in. */
export interface NormalizedSchema {
  name: string;
  fields: NormalizedField[];
  default_sorting_field: string;
  enable_nested_fields: boolean;
  symbols_to_index: string[];
  token_separators: string[];
}

const ALL_TYPES: readonly FieldType[] = [
  'string', 'int32', 'int64', 'float', 'bool', 'string[]', 'int32[]', 'int64[]', 'float[]', 'bool[]',
  'object', 'object[]', 'auto', 'string*',
];
const SUPPORTED_TYPES = new Set<FieldType>(['string', 'int32', 'int64', 'float', 'bool', 'string[]', 'int32[]', 'int64[]', 'float[]', 'bool[]']);
const NUMERIC = new Set<FieldType>(['int32', 'int64', 'float']);

/** True for int32, int64 and float (scalar numeric types). */
export function isNumericType(t: FieldType): boolean {
  return NUMERIC.has(t);
}

/** True for string and string[] (the types `query_by` accepts). */
export function isTextType(t: FieldType): boolean {
  return t === 'string' || t === 'string[]';
}

/** The element type of an array type, or the type itself. */
export function baseType(t: FieldType): FieldType {
  return t.endsWith('[]') ? (t.slice(0, -2) as FieldType) : t;
}

const FIELDS_SHAPE_MSG =
  'The `fields` value should be an array of objects containing `name`, `type` and optionally, `facet` properties.';

function unsupported(what: string): Error {
  return invalid(`${what} is not supported by the embedded search backend`);
}

/** Validates one field definition and fills in Typesense's defaults. */
export function normalizeField(raw: unknown): NormalizedField {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(FIELDS_SHAPE_MSG);
  const f = raw as Record<string, unknown>;
  if (typeof f.name !== 'string' || typeof f.type !== 'string') throw invalid(FIELDS_SHAPE_MSG);
  if (f.name === '') throw invalid(FIELDS_SHAPE_MSG);
  const type = f.type as FieldType;
  if (!ALL_TYPES.includes(type)) {
    throw invalid(`Field \`${f.name}\` has an invalid data type \`${f.type}\`, see docs for supported data types.`);
  }
  if (!SUPPORTED_TYPES.has(type)) throw unsupported(`Field type \`${type}\``);
  if (f.name.includes('*')) throw unsupported('A wildcard field name');
  for (const flag of ['facet', 'optional', 'index', 'sort', 'infix'] as const) {
    if (f[flag] !== undefined && typeof f[flag] !== 'boolean') throw invalid(`The \`${flag}\` property of the field \`${f.name}\` should be a boolean.`);
  }
  if (f.infix === true) throw unsupported('Infix search (`infix: true`)');
  if (f.locale !== undefined && f.locale !== '') throw unsupported('A field `locale`');
  const index = f.index !== false;
  return {
    name: f.name,
    type,
    facet: f.facet === true,
    optional: f.optional === true,
    index,
    // Typesense makes numeric and bool fields sortable by default, strings only on request.
    sort: typeof f.sort === 'boolean' ? f.sort : index && (NUMERIC.has(type) || type === 'bool'),
    infix: false,
    locale: '',
  };
}

/** Validates a `POST /collections` body and fills in defaults. */
export function normalizeSchema(raw: CollectionSchema): NormalizedSchema {
  const body = raw as unknown as Record<string, unknown>;
  if (typeof body !== 'object' || body === null) throw invalid('Bad JSON.');
  if (typeof body.name !== 'string' || body.name === '') throw invalid('Parameter `name` must be a non-empty string.');
  if (body.fields === undefined) throw invalid('Parameter `fields` is required.');
  if (!Array.isArray(body.fields)) throw invalid(FIELDS_SHAPE_MSG);
  const fields = body.fields.map(normalizeField);
  const names = new Set<string>();
  for (const f of fields) {
    if (names.has(f.name)) throw invalid('There are duplicate field names in the schema.');
    names.add(f.name);
  }
  if (body.enable_nested_fields === true) throw unsupported('`enable_nested_fields`');
  for (const opt of ['token_separators', 'symbols_to_index'] as const) {
    const v = body[opt];
    if (v !== undefined && !(Array.isArray(v) && v.length === 0)) throw unsupported(`\`${opt}\``);
  }
  const dsf = body.default_sorting_field ?? '';
  if (typeof dsf !== 'string') throw invalid('Default sorting field must be a string.');
  if (dsf !== '') {
    const f = fields.find((x) => x.name === dsf);
    if (!f) throw invalid(`Default sorting field is defined as \`${dsf}\` but is not found in the schema.`);
    if (!NUMERIC.has(f.type)) throw invalid(`Default sorting field \`${dsf}\` is not a sortable type.`);
    if (f.optional) throw invalid(`Default sorting field \`${dsf}\` cannot be an optional field.`);
  }
  return {
    name: body.name,
    fields,
    default_sorting_field: dsf,
    enable_nested_fields: false,
    symbols_to_index: [],
    token_separators: [],
  };
}

/** The outcome of a valid PATCH: the new field list and what changed. */
export interface SchemaChange {
  fields: NormalizedField[];
  added: NormalizedField[];
  dropped: string[];
}

/**
 * Validates a PATCH against the live schema, like Typesense: adding an existing field or dropping a
 * missing one fails; a field may be dropped and re-added in the same request; `checkExisting` rejects
 * a new field that the stored documents don't satisfy.
 */
export function applySchemaUpdate(
  schema: NormalizedSchema,
  update: CollectionUpdate,
  checkExisting: (field: NormalizedField) => void,
): SchemaChange {
  const body = update as unknown as Record<string, unknown>;
  if (typeof body !== 'object' || body === null || !Array.isArray(body.fields)) {
    throw invalid('Bad JSON.');
  }
  const current = new Map(schema.fields.map((f) => [f.name, f]));
  const dropped: string[] = [];
  const added: NormalizedField[] = [];
  for (const raw of body.fields as unknown[]) {
    const f = raw as Record<string, unknown> | null;
    if (f && typeof f === 'object' && f.drop === true) {
      if (typeof f.name !== 'string' || !current.has(f.name)) {
        throw invalid(`Field \`${String(f?.name)}\` is not part of collection schema.`);
      }
      if (f.name === schema.default_sorting_field) throw invalid(`Field \`${f.name}\` is the default sorting field and cannot be dropped.`);
      current.delete(f.name);
      dropped.push(f.name);
      continue;
    }
    const nf = normalizeField(raw);
    if (current.has(nf.name)) {
      throw invalid(
        `Field \`${nf.name}\` is already part of the schema: To change this field, drop it first before adding it back to the schema.`,
      );
    }
    checkExisting(nf);
    current.set(nf.name, nf);
    added.push(nf);
  }
  return { fields: [...current.values()], added, dropped };
}
