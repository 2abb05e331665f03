import { ConfigError, collectProblems, jwtConfigVars, loadConfig, parseApiKeys, readEnv, SEED_DEV_SERVICE_KEY, type ApiKey } from '@fountain/kit';
import { kmsClientFromConfig, kmsConfigVars, type KmsClient } from '@fountain/kms-client';
import { typesenseNodesFromEnv, type TypesenseNode } from '@fountain/search';
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

/** The gateway's settings, read once: config, Typesense nodes (null: embedded) and the API keys. */
export interface GatewaySettings {
  config: GatewayConfig;
  nodes: TypesenseNode[] | null;
  keys: ApiKey[];
  /** The Key Management Service, when KEY_MANAGEMENT_URL is set. */
  kms: KmsClient | null;
}

/**
 * Reads and checks the whole environment, throwing one ConfigError that lists every problem: the
 * schema's, the Typesense node settings', the extra keys', and what production requires.
 */
export function readSettings(realEnv: Record<string, string | undefined>, envFile?: string | false): GatewaySettings {
  // `.env` applies to everything read here, not only to the schema's variables.
  const env = readEnv({ env: realEnv, ...(envFile === undefined ? {} : { envFile }) });
  const problems: string[] = [];
  const config: GatewayConfig | undefined = collectProblems(problems, () => loadConfig(GatewayConfigSchema, { env, envFile: false }));
  const fromEnv = typesenseNodesFromEnv(env);
  problems.push(...fromEnv.problems);
  // parseApiKeys names keys, not the variable: its problems are prefixed with the variable's name.
  const keyProblems: string[] = [];
  const extra = env.GATEWAY_API_KEYS ? (collectProblems(keyProblems, () => parseApiKeys(env.GATEWAY_API_KEYS)) ?? []) : [];
  problems.push(...keyProblems.map((p) => `GATEWAY_API_KEYS: ${p}`));
  // Read from env, not config, so these are reported even when the schema found other problems.
  if (env.NODE_ENV === 'production') {
    // With a KMS the services' keys come from it; the static key is then optional.
    if (!env.TYPESENSE_SERVICE_API_KEY && !env.KEY_MANAGEMENT_URL) problems.push('TYPESENSE_SERVICE_API_KEY: required in production (or KEY_MANAGEMENT_URL)');
    if (env.TYPESENSE_SERVICE_API_KEY === SEED_DEV_SERVICE_KEY) {
      problems.push("TYPESENSE_SERVICE_API_KEY: the seeds' placeholder key is refused in production");
    }
  }
  if (fromEnv.nodes && !env.TYPESENSE_API_KEY) {
    problems.push('TYPESENSE_API_KEY: required when TYPESENSE_HOST or TYPESENSE_NODES is set');
  }
  const kms = config ? collectProblems(problems, () => kmsClientFromConfig(config, config.NODE_ENV, { sub: 'search-gateway', roles: ['gateway'] })) : undefined;
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  const staticKey = config.TYPESENSE_SERVICE_API_KEY ?? (config.NODE_ENV === 'production' ? undefined : SEED_DEV_SERVICE_KEY);
  const keys: ApiKey[] = [
    ...(staticKey === undefined
      ? []
      : [{ id: 'service', value: staticKey, collections: ['*'], actions: ['*'], description: 'TYPESENSE_SERVICE_API_KEY' }]),
    ...extra,
  ];
  return { config, nodes: fromEnv.nodes, keys, kms: kms ?? null };
}

