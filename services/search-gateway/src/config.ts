import { jwtConfigVars } from '@fountain/kit';
import { kmsConfigVars } from '@fountain/kms-client';
import { Type, type Static } from 'typebox';

/**
 * The gateway's environment, with the seeds' variable names (seeds/000 section 3.a.ii) plus ours.
 * Parsed once at start-up by `loadConfig`, which lists every problem at once.
 */
export const GatewayConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8001 }),
  HOST: Type.Optional(Type.String({ minLength: 1, description: 'Bind address; 127.0.0.1 in development, 0.0.0.0 in production' })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** Typesense, single node (the seeds' names). Unset TYPESENSE_HOST and TYPESENSE_NODES: embedded. */
  TYPESENSE_HOST: Type.Optional(Type.String({ minLength: 1 })),
  TYPESENSE_PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8108 }),
  TYPESENSE_PROTOCOL: Type.Union([Type.Literal('http'), Type.Literal('https')], { default: 'http' }),
  /** Several nodes of a cluster, comma separated (see packages/search/src/typesense). */
  TYPESENSE_NODES: Type.Optional(Type.String({ minLength: 1 })),
  /** The Typesense admin key: held by the gateway alone. */
  TYPESENSE_API_KEY: Type.Optional(Type.String({ minLength: 1 })),
  TYPESENSE_COLLECTION_NAME: Type.String({ minLength: 1, default: 'elements' }),
  /** The full-scope service key callers present (X-API-KEY, X-TYPESENSE-API-KEY or Bearer). */
  TYPESENSE_SERVICE_API_KEY: Type.Optional(Type.String({ minLength: 8 })),
  /**
   * Further scoped keys: a JSON array of {id, value, collections, actions}, e.g.
   * `[{"id":"sequence","value":"...","collections":["sequence_*"],"actions":["documents:*"]}]`.
   * Checked by the kit's parseApiKeys (unknown actions, duplicate ids or values).
   */
  GATEWAY_API_KEYS: Type.Optional(Type.String({ minLength: 1 })),
  /** Where the embedded backend keeps its SQLite file. */
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  /** Largest JSON body in bytes; JSONL imports get MAX_IMPORT_BYTES. */
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 10 * 1024 * 1024 }),
  MAX_IMPORT_BYTES: Type.Integer({ minimum: 1024, default: 256 * 1024 * 1024 }),
  /** The Key Management Service (keys it issues are accepted, revocations within a second) and the gateway's credential. */
  ...kmsConfigVars,
  ...jwtConfigVars,
});

/** The parsed gateway configuration. */
export type GatewayConfig = Static<typeof GatewayConfigSchema>;

/** The seeds' placeholder service key, the development default (kept in the kit: every service uses it). */
export { SEED_DEV_SERVICE_KEY } from '@fountain/kit';
