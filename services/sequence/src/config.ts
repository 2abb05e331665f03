import { ConfigError, SEED_DEV_API_KEY, SEED_DEV_SERVICE_KEY, loadConfig, parseDatabaseUrl, readEnv } from '@fountain/kit';
import { Type, type Static } from 'typebox';

/**
 * The Central Sequence Service's environment, with the seeds' variable names (seeds/000 section
 * 3.b.ii, seeds/002 section 2) plus ours. Parsed once at start-up; every problem is listed at once.
 */
export const SequenceConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], {
    default: 'development',
  }),
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8000 }),
  HOST: Type.Optional(Type.String({ minLength: 1, description: 'Bind address; 127.0.0.1 in development, 0.0.0.0 in production' })),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info' },
  ),
  /** SQLAlchemy style, as in the seeds: `sqlite:///./data/sequence.db` (relative), `sqlite:////abs/x.db`. */
  DATABASE_URL: Type.String({ minLength: 1, default: 'sqlite:///./data/sequence.db' }),
  /** The key callers present in X-API-KEY (or Authorization: Bearer). */
  API_KEY: Type.String({ minLength: 8, default: SEED_DEV_API_KEY }),
  /** The Search Gateway (the seeds' "Typesense Client Microservice"). */
  TYPESENSE_CLIENT_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:8001' }),
  /** This service's key at the gateway. */
  TYPESENSE_SERVICE_API_KEY: Type.String({ minLength: 8, default: SEED_DEV_SERVICE_KEY }),
  /** The collection (an alias kept by @fountain/sync) holding one document per element version. */
  TYPESENSE_COLLECTION_NAME: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_-]+$', default: 'sequence_elements' }),
  /** `service_name` in every document. */
  SERVICE_NAME: Type.String({ minLength: 1, default: 'central_sequence_service' }),
  /** How long a `Prefer: wait-for-index` write waits before answering 502 TYPESENSE_SYNC_ERROR. */
  INDEX_WAIT_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 120_000, default: 5000 }),
  /** Largest JSON body in bytes (newVersionData lives here). */
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
});

/** The parsed configuration. */
export type SequenceConfig = Static<typeof SequenceConfigSchema>;

/** The seeds' placeholder keys: the development defaults, refused in production (see the kit). */
export { SEED_DEV_API_KEY, SEED_DEV_SERVICE_KEY } from '@fountain/kit';

/** The settings the server needs: the config plus the database file it names. */
export interface SequenceSettings {
  config: SequenceConfig;
  /** A file path, or `:memory:`. */
  databasePath: string;
}

/** The seeds' SQLAlchemy-style DATABASE_URL reader, kept in the kit (every service has one). */
export { parseDatabaseUrl } from '@fountain/kit';

/** Reads and checks the environment, throwing one ConfigError that lists every problem. */
export function readSettings(realEnv: Record<string, string | undefined>, envFile?: string | false): SequenceSettings {
  const env = readEnv({ env: realEnv, ...(envFile === undefined ? {} : { envFile }) });
  const problems: string[] = [];
  let config: SequenceConfig | undefined;
  try {
    config = loadConfig(SequenceConfigSchema, { env, envFile: false });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  let databasePath = '';
  if (env.DATABASE_URL) {
    const parsed = parseDatabaseUrl(env.DATABASE_URL);
    if ('problem' in parsed) problems.push(parsed.problem);
    else databasePath = parsed.path;
  } else {
    databasePath = './data/sequence.db';
  }
  if (env.TYPESENSE_CLIENT_URL && !/^https?:\/\/[^/]+/.test(env.TYPESENSE_CLIENT_URL)) {
    problems.push('TYPESENSE_CLIENT_URL: must be an http(s) URL, e.g. http://127.0.0.1:8001');
  }
  if (databasePath === ':memory:') {
    problems.push('DATABASE_URL: an in-memory database cannot be synced (sync opens its own connection to the file)');
  }
  // Read from env, not config, so these are reported even when the schema found other problems.
  if (env.NODE_ENV === 'production') {
    if (!env.API_KEY || env.API_KEY === SEED_DEV_API_KEY) problems.push("API_KEY: required in production (the seeds' placeholder is refused)");
    if (!env.TYPESENSE_SERVICE_API_KEY || env.TYPESENSE_SERVICE_API_KEY === SEED_DEV_SERVICE_KEY) {
      problems.push("TYPESENSE_SERVICE_API_KEY: required in production (the seeds' placeholder is refused)");
    }
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return { config, databasePath };
}
