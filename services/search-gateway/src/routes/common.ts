import { Type } from 'typebox';

/** A collection, alias or document name in a path: no slashes, no control characters. */
export const Name = Type.String({ minLength: 1, maxLength: 256, pattern: '^[^/\\x00-\\x1f]+$' });

/** `:name` path parameters. */
export const NameParams = Type.Object({ name: Name });

/** Any JSON object, passed through from the engine as it is. */
export const JsonObject = Type.Record(Type.String(), Type.Unknown());
