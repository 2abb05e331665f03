import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, createLogger, loadConfig, runServer, type ApiKey } from '@fountain/kit';
import { createEmbeddedBackend, createTypesenseBackend, typesenseNodesFromEnv, type SearchBackend, type TypesenseNode } from '@fountain/search';
import { buildApp } from './app.ts';
import { GatewayConfigSchema, SEED_DEV_SERVICE_KEY, type GatewayConfig } from './config.ts';
import { SchemaCache } from './domain/schema-cache.ts';
import { ensureDefaultCollection } from './domain/ensure-collection.ts';

/** Problems that the schema alone can't express: what production requires, and Typesense's key. */
function crossCheck(config: GatewayConfig, typesenseConfigured: boolean): string[] {
  const problems: string[] = [];
  if (config.NODE_ENV === 'production') {
    if (!config.TYPESENSE_SERVICE_API_KEY) problems.push('TYPESENSE_SERVICE_API_KEY: required in production');
    if (config.TYPESENSE_SERVICE_API_KEY === SEED_DEV_SERVICE_KEY) {
      problems.push("TYPESENSE_SERVICE_API_KEY: the seeds' placeholder key is refused in production");
    }
  }
  if (typesenseConfigured && !config.TYPESENSE_API_KEY) {
    problems.push('TYPESENSE_API_KEY: required when TYPESENSE_HOST or TYPESENSE_NODES is set');
  }
  return problems;
}

/** Starts the Search Gateway: config, backend, default collection, HTTP server, graceful shutdown. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let config: GatewayConfig;
  let nodes: TypesenseNode[] | null;
  try {
    config = loadConfig(GatewayConfigSchema, { env });
    const fromEnv = typesenseNodesFromEnv(env);
    nodes = fromEnv.nodes;
    const problems = [...fromEnv.problems, ...crossCheck(config, nodes !== null)];
    if (problems.length > 0) throw new ConfigError(problems);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  const log = createLogger({ name: 'search-gateway', level: config.LOG_LEVEL });
  const dev = config.NODE_ENV !== 'production';
  const serviceKey = config.TYPESENSE_SERVICE_API_KEY ?? SEED_DEV_SERVICE_KEY;
  const keys: ApiKey[] = [
    { id: 'service', value: serviceKey, collections: ['*'], actions: ['*'], description: 'TYPESENSE_SERVICE_API_KEY' },
    ...config.GATEWAY_API_KEYS,
  ];

  let backend: SearchBackend;
  if (nodes) {
    backend = createTypesenseBackend({ nodes, apiKey: config.TYPESENSE_API_KEY as string, logger: log });
  } else {
    const dataDir = resolve(config.DATA_DIR, 'search');
    mkdirSync(dataDir, { recursive: true });
    backend = await createEmbeddedBackend({ dataDir });
  }

  const deps = {
    backend,
    schemas: new SchemaCache(backend),
    defaultCollection: config.TYPESENSE_COLLECTION_NAME,
    maxImportBytes: config.MAX_IMPORT_BYTES,
  };
  const app = await buildApp(deps, { keys, logger: log, bodyLimit: config.BODY_LIMIT });
  const stopEnsure = new AbortController();
  ensureDefaultCollection(backend, deps.defaultCollection, log, stopEnsure.signal).catch((err: unknown) =>
    log.error({ err }, 'could not create the default collection'),
  );

  // In development the server binds to loopback, since the default key is the seeds' public placeholder.
  const host = config.HOST ?? (dev ? '127.0.0.1' : '0.0.0.0');
  await runServer(app, {
    port: config.PORT,
    host,
    logger: log,
    onClose: async () => {
      stopEnsure.abort();
      await backend.close();
    },
  });
  const where = nodes ? `typesense (${nodes.map((n) => `${n.protocol}://${n.host}:${n.port}`).join(', ')})` : `embedded (${resolve(config.DATA_DIR, 'search')})`;
  const banner = [
    '',
    '  Search Gateway ready',
    `    URL       http://${host === '0.0.0.0' ? 'localhost' : host}:${config.PORT}`,
    `    docs      http://${host === '0.0.0.0' ? 'localhost' : host}:${config.PORT}/docs`,
    `    backend   ${where}`,
    `    key       ${config.TYPESENSE_SERVICE_API_KEY ? 'TYPESENSE_SERVICE_API_KEY (from the environment)' : `${SEED_DEV_SERVICE_KEY}  (the seeds' development key; set TYPESENSE_SERVICE_API_KEY to change it)`}`,
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
}

await main();
