import { ConfigError, loadConfig, parseApiKeys, readEnv, type ApiKey } from '@fountain/kit';
import { kmsClientFromConfig, type KmsClient } from '@fountain/kms-client';
import { typesenseNodesFromEnv, type TypesenseNode } from '@fountain/search';
import { GatewayConfigSchema, SEED_DEV_SERVICE_KEY, type GatewayConfig } from './config.ts';

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
  /** Runs one reader, keeping its ConfigError problems (with a prefix) instead of stopping at them. */
  const collect = <T>(fn: () => T, prefix = ''): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems.map((p) => prefix + p));
      return undefined;
    }
  };
  const config = collect(() => loadConfig(GatewayConfigSchema, { env, envFile: false }));
  const fromEnv = typesenseNodesFromEnv(env);
  problems.push(...fromEnv.problems);
  const extra = env.GATEWAY_API_KEYS ? (collect(() => parseApiKeys(env.GATEWAY_API_KEYS), 'GATEWAY_API_KEYS: ') ?? []) : [];
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
  const kms = config ? collect(() => kmsClientFromConfig(config, config.NODE_ENV, { sub: 'search-gateway', roles: ['gateway'] })) : undefined;
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

