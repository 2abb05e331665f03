import { ConfigError, collectProblems, DEV_KMS_MASTER_KEY, jwtConfigVars, jwtSettingsFromConfig, loadConfig, parseDatabaseUrl, readEnv, type JwtVerifierSettings } from '@fountain/kit';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { Actions, Collections, LineageName, ServiceName } from './routes/schemas.ts';
import { parseMasterKey } from './domain/secrets.ts';

/** One key the KMS makes sure exists at start (KMS_SERVICES). */
export const ProvisionSchema = Type.Object(
  { service: ServiceName, name: Type.Optional(LineageName), collections: Collections, actions: Actions, description: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type Provision = Static<typeof ProvisionSchema>;

/** The keys `npm start` provisions: the sequence service's, and the seeds' `service_a` so their example works as written. */
export const DEV_PROVISION: Provision[] = [
  { service: 'central_sequence_service', collections: ['sequence_*'], actions: ['documents:*', 'collections:*', 'aliases:*'], description: 'Central Sequence Service' },
  { service: 'service_a', collections: ['service_a_*', 'elements'], actions: ['documents:*', 'collections:*', 'aliases:*'], description: "The seeds' Service A" },
];

/**
 * The KMS's environment. Parsed once at start-up; every problem is listed at once.
 */
export const KmsConfigSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8003 }),
  HOST: Type.Optional(Type.String({ minLength: 1, description: 'Bind address; 127.0.0.1 in development, 0.0.0.0 in production' })),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  DATABASE_URL: Type.String({ minLength: 1, default: 'sqlite:///./data/key-management.db' }),
  /** 32 bytes, hex (64 characters) or base64: the AES-256-GCM key sealing every secret at rest. */
  KMS_MASTER_KEY: Type.Optional(Type.String({ minLength: 1 })),
  /** How long a rotated-out key stays valid. */
  KEY_GRACE_PERIOD_SEC: Type.Integer({ minimum: 0, maximum: 7 * 86400, default: 600 }),
  /** Rotate every active key older than this many days (0: never). */
  KEY_ROTATE_AFTER_DAYS: Type.Number({ minimum: 0, default: 0 }),
  /** Keys to make sure exist at start: a JSON array of {service, name?, collections, actions}. */
  KMS_SERVICES: Type.Optional(Type.String({ minLength: 1 })),
  ...jwtConfigVars,
});
export type KmsConfig = Static<typeof KmsConfigSchema>;

/** The settings the server needs. */
export interface KmsSettings {
  config: KmsConfig;
  databasePath: string;
  masterKey: Buffer;
  jwt: JwtVerifierSettings;
  provision: Provision[];
}

/** Reads and checks the environment, throwing one ConfigError that lists every problem. */
export function readSettings(realEnv: Record<string, string | undefined>, envFile?: string | false): KmsSettings {
  const env = readEnv({ env: realEnv, ...(envFile === undefined ? {} : { envFile }) });
  const problems: string[] = [];
  const config: KmsConfig | undefined = collectProblems(problems, () => loadConfig(KmsConfigSchema, { env, envFile: false }));
  const production = env.NODE_ENV === 'production';
  const parsed = parseDatabaseUrl(env.DATABASE_URL || 'sqlite:///./data/key-management.db');
  if ('problem' in parsed) problems.push(parsed.problem);
  else if (parsed.path === ':memory:' && production) problems.push('DATABASE_URL: an in-memory KMS forgets every key on restart');

  let masterKey: Buffer | null = null;
  if (!env.KMS_MASTER_KEY) {
    if (production) problems.push('KMS_MASTER_KEY: required in production (32 random bytes, hex or base64: `openssl rand -hex 32`); it encrypts every key at rest');
    else masterKey = parseMasterKey(DEV_KMS_MASTER_KEY);
  } else {
    masterKey = parseMasterKey(env.KMS_MASTER_KEY);
    if (masterKey === null) problems.push('KMS_MASTER_KEY: must be 32 bytes, as 64 hex characters or base64 (value hidden)');
    else if (production && env.KMS_MASTER_KEY.trim() === DEV_KMS_MASTER_KEY) problems.push('KMS_MASTER_KEY: the development master key is refused in production');
  }

  let provision: Provision[] = production ? [] : DEV_PROVISION;
  if (env.KMS_SERVICES) {
    try {
      const list = JSON.parse(env.KMS_SERVICES) as unknown;
      const schema = Type.Array(ProvisionSchema);
      const errs = [...Value.Errors(schema, list)].map((e) => `KMS_SERVICES${e.instancePath.replace(/\//g, '.')}: ${e.message}`);
      problems.push(...errs.slice(0, 10));
      if (errs.length === 0) provision = list as Provision[];
    } catch {
      problems.push('KMS_SERVICES: must be a JSON array of {service, name?, collections, actions}');
    }
  }

  let jwt: JwtVerifierSettings | undefined;
  if (config) {
    jwt = collectProblems(problems, () => jwtSettingsFromConfig(config, config.NODE_ENV));
  }
  if (problems.length > 0 || !config || !jwt || masterKey === null || 'problem' in parsed) throw new ConfigError(problems);
  return { config, databasePath: parsed.path, masterKey, jwt, provision };
}
