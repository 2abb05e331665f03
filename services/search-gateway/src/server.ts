import { resolve } from 'node:path';
import { bindHost, createLogger, ensureWritableDir, runServer, secretValues, settingsOrExit, startupOrExit } from '@fountain/kit';
import { createEmbeddedBackend, createTypesenseBackend, type SearchBackend } from '@fountain/search';
import { startKeyMirror } from '@fountain/kms-client';
import { Registry, type Metric } from 'prom-client';
import { buildApp } from './app.ts';
import { readSettings, SEED_DEV_SERVICE_KEY } from './config.ts';
import { SchemaCache } from './domain/schema-cache.ts';
import { ensureDefaultCollection } from './domain/ensure-collection.ts';

/** Starts the Search Gateway: config, backend, default collection, HTTP server, graceful shutdown. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = settingsOrExit(() => readSettings(env));
  const { config, nodes, keys, kms } = settings;
  // Every configured secret is masked in every line (the admin key, and each service key's value).
  const log = createLogger({ name: 'search-gateway', level: config.LOG_LEVEL, secrets: [...secretValues(config), ...keys.map((k) => k.value)] });

  let backend: SearchBackend;
  if (nodes) {
    backend = createTypesenseBackend({ nodes, apiKey: config.TYPESENSE_API_KEY as string, logger: log });
  } else {
    // A missing, unwritable or read-only data directory (or store file) is one line naming the path
    // and the problem, like bad configuration; never a raw SQLITE_CANTOPEN.
    const dataDir = settingsOrExit(() => ensureWritableDir(resolve(config.DATA_DIR, 'search'), 'DATA_DIR'));
    backend = await startupOrExit(() => createEmbeddedBackend({ dataDir, logger: log }));
  }

  const deps = {
    backend,
    schemas: new SchemaCache(backend),
    defaultCollection: config.TYPESENSE_COLLECTION_NAME,
    maxImportBytes: config.MAX_IMPORT_BYTES,
  };
  const registry = new Registry();
  // The last known key set lives next to the data (digests only): a key revoked before a restart stays refused.
  const keyMirror = kms
    ? await startKeyMirror({ client: kms, persistPath: resolve(config.DATA_DIR, 'kms-keys.json'), registry, logger: log })
    : undefined;
  const app = await buildApp(deps, { keys, keyMirror, logger: log, bodyLimit: config.BODY_LIMIT });
  for (const metric of registry.getMetricsAsArray()) app.metricsRegistry.registerMetric(metric as unknown as Metric);
  const stopEnsure = new AbortController();
  ensureDefaultCollection(backend, deps.defaultCollection, log, stopEnsure.signal).catch((err: unknown) =>
    log.error({ err }, 'could not create the default collection'),
  );

  const host = bindHost(config);
  await runServer(app, {
    port: config.PORT,
    host,
    logger: log,
    onClose: async () => {
      stopEnsure.abort();
      await keyMirror?.stop();
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
    ...(config.KEY_MANAGEMENT_URL ? [`    keys      from the Key Management Service at ${config.KEY_MANAGEMENT_URL}`] : []),
    `    key       ${config.TYPESENSE_SERVICE_API_KEY ? 'TYPESENSE_SERVICE_API_KEY (from the environment)' : `${SEED_DEV_SERVICE_KEY}  (the seeds' development key; set TYPESENSE_SERVICE_API_KEY to change it)`}`,
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
}

await main();
