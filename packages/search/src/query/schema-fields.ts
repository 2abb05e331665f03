import type { CollectionInfo, FieldSchema, FieldType } from '../backend.ts';

/** The kind of value a field holds, as filters, sorts and query_by see it. */
export type ValueKind = 'string' | 'int32' | 'int64' | 'float' | 'bool' | 'object' | 'auto';

/** True when a field's name is a wildcard pattern (`.*`, `s_.*`) rather than a concrete field. */
export function isWildcardField(f: FieldSchema): boolean {
  return /[*+?[\]()|^$\\]/.test(f.name);
}

/**
 * Finds the concrete schema field named `name`. Wildcard fields (`.*` auto, `s_.*` string*) match
 * nothing here: Typesense 0.24.1 adds each detected field to the schema as a concrete field and answers
 * "Could not find a filter field named ..." for a name only a wildcard matches (verified).
 */
export function findField(collection: CollectionInfo, name: string): FieldSchema | undefined {
  return collection.fields.find((f) => f.name === name && !isWildcardField(f) && f.drop !== true);
}

/** The wildcard field whose pattern matches `name`, for error messages. */
export function wildcardFor(collection: CollectionInfo, name: string): FieldSchema | undefined {
  // the longest pattern is the most specific one (`s_.*` rather than `.*`)
  const byLength = [...collection.fields].sort((a, b) => b.name.length - a.name.length);
  return byLength.find((f) => {
    if (!isWildcardField(f)) return false;
    try {
      return new RegExp(`^(?:${f.name})$`).test(name);
    } catch {
      return false;
    }
  });
}

/** The value kind of a field type (`int32[]` is `int32`; `string*` is `string`). */
export function kindOf(type: FieldType): ValueKind {
  const base = type.replace(/\[\]$/, '').replace(/\*$/, '');
  return base as ValueKind;
}

/** True for int32, int64, float and their arrays. */
export function isNumericType(type: FieldType): boolean {
  const k = kindOf(type);
  return k === 'int32' || k === 'int64' || k === 'float';
}

/** True for array types. */
export function isArrayType(type: FieldType): boolean {
  return type.endsWith('[]');
}

/** A VALIDATION_ERROR detail explaining an unknown field name. */
export function unknownFieldHint(collection: CollectionInfo, name: string): string {
  const w = wildcardFor(collection, name);
  return w
    ? ` (it matches only the wildcard field '${w.name}', and no document has given it a type yet)`
    : '';
}
