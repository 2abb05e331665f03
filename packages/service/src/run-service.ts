/**
 * One entry point for a domain service: a service calls `runService` with its name, config schema,
 * migrations, sync declarations and routes, and gets config loading and validation (every problem
 * listed), the database opened and migrated, sync started, the app built, a start-up banner,
 * listening, and graceful shutdown (drain requests, stop sync after its in-flight batch, close the
 * database).
 */
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { SEED_DEV_API_KEY, bindHost, createLogger, runServer, secretValues, settingsOrExit, type App, type RunningServer } from '@fountain/kit';
import type { SearchBackend } from '@fountain/search';
import { startServiceKey } from '@fountain/kms-client';
import { startSync, type StartSyncOptions, type Sync, type TableDeclaration } from '@fountain/sync';
import type { Logger } from 'pino';
import type { Static, TObject } from 'typebox';
import { readServiceSettings, type CommonConfig, type ServiceSettings } from './config.ts';
import { openDatabase } from './database.ts';
import { createServiceApp } from './service-app.ts';

/** What a route registrar gets: the database, the running sync, and the parsed config. */
export interface ServiceContext<C> {
  db: Database.Database;
  sync: Sync;
  config: C;
}

/** A service: everything `runService` needs to know about it. */
export interface ServiceDefinition<S extends TObject> {
  /** Short name: logger, metrics label, default database `./data/<name>.db`. */
  name: string;
  /** Shown in the banner and as the OpenAPI title. */
  title: string;
  /** The OpenAPI description. */
  description: string;
  /** The environment schema: `serviceConfig(defaults, own?)`. */
  config: S;
  /** The folder of `NNN_name.sql` migrations. */
  migrations: string;
  /** The synced tables. */
  tables: (config: Static<S>) => TableDeclaration[];
  /** Registers the service's routes. */
  routes: (app: App, ctx: ServiceContext<Static<S>>) => void | Promise<void>;
}

/** Identity, for type inference of the config in `tables` and `routes`. */
export function defineService<S extends TObject>(def: ServiceDefinition<S>): ServiceDefinition<S> {
  return def;
}

/** A service opened in this process (not listening): for `runService` and tests. */
export interface OpenService {
  app: App;
  db: Database.Database;
  sync: Sync;
  /** Stops following the KMS (when the key comes from it). */
  stopKeys(): void;
  /** Closes the app, stops sync, closes the database. */
  close(): Promise<void>;
}

/** Options of {@link openService}: a backend instead of the gateway (tests), a logger, relay tuning. */
export interface OpenServiceOptions {
  backend?: SearchBackend;
  logger?: Logger | false;
  sync?: Pick<StartSyncOptions, 'relay' | 'auditIntervalMs' | 'checkpoint'>;
}

/** Opens the database (migrations), starts sync, builds the app with the service's routes. */
export async function openService<S extends TObject>(def: ServiceDefinition<S>, settings: ServiceSettings<Static<S>>, opts: OpenServiceOptions = {}): Promise<OpenService> {
  const config = settings.config as Static<S> & CommonConfig;
  const file = resolve(settings.databasePath);
  // Tables first (migrations), then sync: it derives the collection schemas from them and installs
  // its capture triggers; from then on every committed change is on its way to the index.
  // seeds/001 3.e: with a KMS the gateway key is fetched at start and re-read every KEY_REFRESH_MS, so a
  // rotation is picked up within its grace period; sync asks for the current key on every request.
  const serviceKey =
    settings.kms && !opts.backend
      ? await startServiceKey({ client: settings.kms, service: config.SERVICE_NAME, refreshMs: config.KEY_REFRESH_MS, ...(opts.logger && { logger: opts.logger }) })
      : undefined;
  const db = openDatabase(file, def.migrations);
  let sync: Sync;
  try {
    sync = await startSync({
      database: file,
      tables: def.tables(config),
      ...(opts.backend
        ? { backend: opts.backend }
        : { gateway: { url: config.TYPESENSE_CLIENT_URL, apiKey: serviceKey ? () => serviceKey.current() : config.TYPESENSE_SERVICE_API_KEY } }),
      ...(opts.logger && { logger: opts.logger }),
      ...opts.sync,
      // Sync's connection lives in the service's process: a wait inside SQLite for the write lock
      // (5 s by default) would hold every request with it. The relay retries a refused ack with
      // backoff (docs/sequence.md, "A long lock").
      relay: { busyTimeoutMs: 50, ...opts.sync?.relay },
    });
  } catch (err) {
    serviceKey?.stop();
    db.close();
    throw err;
  }
  const ping = db.prepare('SELECT 1').pluck();
  const app = await createServiceApp({
    name: def.name,
    title: def.title,
    description: def.description,
    apiKey: config.API_KEY,
    sync,
    indexWaitMs: config.INDEX_WAIT_TIMEOUT_MS,
    ping: () => ping.get() === 1,
    logger: opts.logger ?? false,
    bodyLimit: config.BODY_LIMIT,
  });
  if (serviceKey) app.addReadyCheck('key_management', () => serviceKey.status());
  await def.routes(app, { db, sync, config });
  return {
    app,
    db,
    sync,
    stopKeys: () => serviceKey?.stop(),
    async close() {
      serviceKey?.stop();
      await app.close();
      await sync.stop();
      db.close();
    },
  };
}

/**
 * Runs a service: reads its settings from the environment (or exits listing every problem), opens
 * it, listens, prints the banner, and shuts down cleanly on SIGINT/SIGTERM.
 *
 * @example
 *   await runService(characters);   // services/characters/src/server.ts, in full
 */
export async function runService<S extends TObject>(def: ServiceDefinition<S>, env: NodeJS.ProcessEnv = process.env): Promise<RunningServer> {
  const settings = settingsOrExit(() => readServiceSettings(def.config, env));
  const config = settings.config as Static<S> & CommonConfig;
  // API_KEY and TYPESENSE_SERVICE_API_KEY are masked in every line, whatever writes them.
  const logger = createLogger({ name: def.name, level: config.LOG_LEVEL, secrets: secretValues(config) });
  const service = await openService(def, settings, { logger });
  const host = bindHost(config);
  const server = await runServer(service.app, {
    port: config.PORT,
    host,
    logger,
    onClose: async () => {
      service.stopKeys();
      await service.sync.stop();
      service.db.close();
    },
  });
  const shown = host === '0.0.0.0' ? 'localhost' : host;
  const collections = service.sync.tables().map((t) => `${t.decl.table} -> ${t.decl.collection}`).join(', ');
  const banner = [
    '',
    `  ${def.title} ready`,
    `    URL       http://${shown}:${config.PORT}`,
    `    docs      http://${shown}:${config.PORT}/docs`,
    `    database  ${resolve(settings.databasePath)}`,
    `    search    ${config.TYPESENSE_CLIENT_URL} (${collections})`,
    ...(config.KEY_MANAGEMENT_URL ? [`    gateway key from the Key Management Service at ${config.KEY_MANAGEMENT_URL} (${config.SERVICE_NAME})`] : []),
    `    key       ${config.API_KEY === SEED_DEV_API_KEY ? `${SEED_DEV_API_KEY}  (the seeds' development key; set API_KEY to change it)` : 'API_KEY (from the environment)'}`,
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
  return server;
}
