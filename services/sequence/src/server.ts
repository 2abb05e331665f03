import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bindHost, createLogger, runServer, secretValues, settingsOrExit } from '@fountain/kit';
import { startSync } from '@fountain/sync';
import { Registry } from 'prom-client';
import { buildApp } from './app.ts';
import { SEED_DEV_API_KEY, readSettings } from './config.ts';
import { openStore } from './db/store.ts';
import { searchDeclaration } from './domain/search-documents.ts';

/** Starts the Central Sequence Service: config, database, sync, HTTP server, graceful shutdown. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = settingsOrExit(() => readSettings(env));
  const { config, databasePath } = settings;
  // API_KEY and TYPESENSE_SERVICE_API_KEY are masked in every line, whatever writes them.
  const log = createLogger({ name: 'sequence', level: config.LOG_LEVEL, secrets: secretValues(config) });

  const dbFile = resolve(databasePath);
  mkdirSync(dirname(dbFile), { recursive: true });
  // Tables first (migrations), then sync: it derives the collection schema from them and installs
  // its capture triggers; from then on every committed version is on its way to the index.
  const store = openStore(dbFile);
  const syncRegistry = new Registry();
  const sync = await startSync({
    database: dbFile,
    tables: [searchDeclaration(config.TYPESENSE_COLLECTION_NAME, config.SERVICE_NAME)],
    gateway: { url: config.TYPESENSE_CLIENT_URL, apiKey: config.TYPESENSE_SERVICE_API_KEY },
    registry: syncRegistry,
    logger: log,
  });
  const deps = {
    store,
    sync,
    search: sync.backend,
    collection: config.TYPESENSE_COLLECTION_NAME,
    indexWaitMs: config.INDEX_WAIT_TIMEOUT_MS,
  };
  const app = await buildApp(deps, { apiKey: config.API_KEY, logger: log, bodyLimit: config.BODY_LIMIT, syncRegistry });

  const host = bindHost(config);
  await runServer(app, {
    port: config.PORT,
    host,
    logger: log,
    onClose: async () => {
      await sync.stop();
      store.close();
    },
  });
  const shown = host === '0.0.0.0' ? 'localhost' : host;
  const banner = [
    '',
    '  Central Sequence Service ready',
    `    URL       http://${shown}:${config.PORT}`,
    `    docs      http://${shown}:${config.PORT}/docs`,
    `    database  ${dbFile}`,
    `    search    ${config.TYPESENSE_CLIENT_URL} (collection ${config.TYPESENSE_COLLECTION_NAME})`,
    `    key       ${config.API_KEY === SEED_DEV_API_KEY ? `${SEED_DEV_API_KEY}  (the seeds' development key; set API_KEY to change it)` : 'API_KEY (from the environment)'}`,
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
}

await main();
