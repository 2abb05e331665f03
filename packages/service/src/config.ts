/**
 * The environment every domain service reads, with the seeds' variable names (seeds/000 3.b.ii,
 * seeds/002 2), and the one way to read it: parsed once at start-up, every problem listed at once.
 */
import { ConfigError, collectProblems, SEED_DEV_API_KEY, SEED_DEV_SERVICE_KEY, jwtConfigVars, loadConfig, parseDatabaseUrl, readEnv } from '@fountain/kit';
import { kmsClientFromConfig, kmsConfigVars, type KmsClient } from '@fountain/kms-client';
import { Type, type Static, type TObject, type TProperties } from 'typebox';

/** What differs between services in their common variables: the defaults. */
export interface ServiceDefaults {
  /** The service's short name: the default database is `./data/<name>.db`. */
  name: string;
  port: number;
  /** TYPESENSE_COLLECTION_NAME: the collection (an alias kept by sync). */
  collection: string;
  /** SERVICE_NAME, e.g. `central_sequence_service`. */
  serviceName: string;
}

/** The common variables' schema properties, with a service's defaults. */
export function serviceConfigProperties(d: ServiceDefaults) {
  return {
    NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
    PORT: Type.Integer({ minimum: 1, maximum: 65535, default: d.port }),
    HOST: Type.Optional(Type.String({ minLength: 1, description: 'Bind address; 127.0.0.1 in development, 0.0.0.0 in production' })),
    LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
    /** SQLAlchemy style, as in the seeds: `sqlite:///./data/x.db` (relative), `sqlite:////abs/x.db`. */
    DATABASE_URL: Type.String({ minLength: 1, default: `sqlite:///./data/${d.name}.db` }),
    /** The key callers present in X-API-KEY (or Authorization: Bearer). */
    API_KEY: Type.String({ minLength: 8, default: SEED_DEV_API_KEY }),
    /** The Search Gateway (the seeds' "Typesense Client Microservice"). */
    TYPESENSE_CLIENT_URL: Type.String({ minLength: 1, default: 'http://127.0.0.1:8001' }),
    /** This service's key at the gateway. */
    TYPESENSE_SERVICE_API_KEY: Type.String({ minLength: 8, default: SEED_DEV_SERVICE_KEY }),
    TYPESENSE_COLLECTION_NAME: Type.String({ minLength: 1, pattern: '^[A-Za-z0-9_-]+$', default: d.collection }),
    SERVICE_NAME: Type.String({ minLength: 1, default: d.serviceName }),
    /** How long a `Prefer: wait-for-index` write waits before answering 502 TYPESENSE_SYNC_ERROR. */
    INDEX_WAIT_TIMEOUT_MS: Type.Integer({ minimum: 1, maximum: 120_000, default: 5000 }),
    /** Largest JSON body in bytes. */
    BODY_LIMIT: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
    /** The Key Management Service: with KEY_MANAGEMENT_URL the gateway key comes from it (seeds/001 3.e) and follows rotations. */
    ...kmsConfigVars,
    ...jwtConfigVars,
  };
}

/**
 * A service's environment schema: the common variables plus its own.
 *
 * @example
 *   const Config = serviceConfig({ name: 'characters', port: 8004, collection: 'characters', serviceName: 'character_service' });
 */
export function serviceConfig<P extends TProperties = Record<never, never>>(d: ServiceDefaults, own?: P) {
  return Type.Object({ ...serviceConfigProperties(d), ...(own ?? ({} as P)) });
}

/** The common configuration every service has. */
export type CommonConfig = Static<TObject<ReturnType<typeof serviceConfigProperties>>>;

/** The settings a service starts from: its config plus the database file it names. */
export interface ServiceSettings<C = CommonConfig> {
  config: C;
  /** A file path (never `:memory:`: sync opens its own connection to the file). */
  databasePath: string;
  /** The Key Management Service, when KEY_MANAGEMENT_URL is set. */
  kms?: KmsClient | null;
}

/**
 * Reads and checks a service's environment against its schema (made with {@link serviceConfig}),
 * throwing one ConfigError that lists every problem: the schema's, DATABASE_URL's, the gateway URL's,
 * and the seeds' placeholder keys in production.
 */
export function readServiceSettings<S extends TObject>(
  schema: S,
  realEnv: Record<string, string | undefined>,
  envFile?: string | false,
): ServiceSettings<Static<S>> {
  const env = readEnv({ env: realEnv, ...(envFile === undefined ? {} : { envFile }) });
  const problems: string[] = [];
  const config: Static<S> | undefined = collectProblems(problems, () => loadConfig(schema, { env, envFile: false }));
  const defaultUrl = (schema.properties as Record<string, { default?: string }>).DATABASE_URL?.default ?? '';
  const parsed = parseDatabaseUrl(env.DATABASE_URL || defaultUrl);
  let databasePath = '';
  if ('problem' in parsed) problems.push(parsed.problem);
  else databasePath = parsed.path;
  if (env.TYPESENSE_CLIENT_URL && !/^https?:\/\/[^/]+/.test(env.TYPESENSE_CLIENT_URL)) {
    problems.push('TYPESENSE_CLIENT_URL: must be an http(s) URL, e.g. http://127.0.0.1:8001');
  }
  if (databasePath === ':memory:') {
    problems.push('DATABASE_URL: an in-memory database cannot be synced (sync opens its own connection to the file)');
  }
  // Read from env, not config, so these are reported even when the schema found other problems.
  if (env.NODE_ENV === 'production') {
    if (!env.API_KEY || env.API_KEY === SEED_DEV_API_KEY) problems.push("API_KEY: required in production (the seeds' placeholder is refused)");
    // With a KMS the key comes from it (GET /keys/{SERVICE_NAME}); the static one is then unused.
    if (!env.KEY_MANAGEMENT_URL && (!env.TYPESENSE_SERVICE_API_KEY || env.TYPESENSE_SERVICE_API_KEY === SEED_DEV_SERVICE_KEY)) {
      problems.push("TYPESENSE_SERVICE_API_KEY: required in production (the seeds' placeholder is refused), or KEY_MANAGEMENT_URL");
    }
  }
  let kms: KmsClient | null = null;
  if (config) {
    const c = config as CommonConfig;
    kms = collectProblems(problems, () => kmsClientFromConfig(c, c.NODE_ENV, { sub: c.SERVICE_NAME, roles: ['service'] })) ?? null;
  }
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return { config, databasePath, kms };
}
