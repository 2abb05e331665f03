/**
 * The sync runner: everything `startSync` does, for a SQLite file written by a program in any
 * language (docs/sync-runner.md). It attaches to the file named by a declaration file, installs the
 * capture triggers, runs the relay (schema evolution, backfill, audit, dead letters), and serves
 * `/health`, `/ready`, `/metrics` and the `/sync/*` admin routes on its own port, behind a key.
 */
import { ConfigError, collectProblems, SEED_DEV_API_KEY, SEED_DEV_SERVICE_KEY, bindHost, createApp, createLogger, loadConfig, readEnv, runServer, secretValues, type App } from '@fountain/kit';
import { Type, type Static } from 'typebox';
import { syncPlugin } from '../plugin.ts';
import { startSync, type Sync } from '../start-sync.ts';
import { loadDeclarationFile, type CheckedDeclaration } from './declaration-file.ts';

/** The runner's environment: the keys (never in the declaration file), and what overrides the file. */
export const RunnerEnvSchema = Type.Object({
  NODE_ENV: Type.Union([Type.Literal('development'), Type.Literal('production'), Type.Literal('test')], { default: 'development' }),
  PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'Wins over server.port of the file' })),
  HOST: Type.Optional(Type.String({ minLength: 1 })),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }),
  /** The key operators present to the runner's admin routes. */
  API_KEY: Type.String({ minLength: 8, default: SEED_DEV_API_KEY }),
  /** The program's key at the Search Gateway. */
  TYPESENSE_SERVICE_API_KEY: Type.String({ minLength: 8, default: SEED_DEV_SERVICE_KEY }),
  /** The Search Gateway; wins over gateway.url of the file. */
  TYPESENSE_CLIENT_URL: Type.Optional(Type.String({ pattern: '^https?://[^/]+' })),
});

/** Everything the runner needs, checked. */
export interface RunnerSettings {
  env: Static<typeof RunnerEnvSchema>;
  declaration: CheckedDeclaration;
  port: number;
  host: string;
  gatewayUrl: string;
}

/** The runner's default port (the services take 8000-8005 and 8080). */
export const DEFAULT_RUNNER_PORT = 8010;

/**
 * Reads the environment and the declaration file; throws one ConfigError listing every problem of
 * both.
 */
export function readRunnerSettings(configPath: string, realEnv: Record<string, string | undefined> = process.env): RunnerSettings {
  const problems: string[] = [];
  const rawEnv = readEnv({ env: realEnv });
  const env: Static<typeof RunnerEnvSchema> | undefined = collectProblems(problems, () => loadConfig(RunnerEnvSchema, { env: rawEnv, envFile: false }));
  if (rawEnv.NODE_ENV === 'production') {
    if (!rawEnv.API_KEY || rawEnv.API_KEY === SEED_DEV_API_KEY) problems.push("API_KEY: required in production (the seeds' placeholder is refused)");
    if (!rawEnv.TYPESENSE_SERVICE_API_KEY || rawEnv.TYPESENSE_SERVICE_API_KEY === SEED_DEV_SERVICE_KEY) {
      problems.push("TYPESENSE_SERVICE_API_KEY: required in production (the seeds' placeholder is refused)");
    }
  }
  let declaration: CheckedDeclaration | undefined;
  try {
    declaration = loadDeclarationFile(configPath);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map((p) => `${configPath}: ${p}`));
  }
  if (problems.length > 0 || !env || !declaration) throw new ConfigError(problems, 'fountain-sync cannot start');
  return {
    env,
    declaration,
    port: env.PORT ?? declaration.file.server?.port ?? DEFAULT_RUNNER_PORT,
    host: env.HOST ?? declaration.file.server?.host ?? bindHost({ NODE_ENV: env.NODE_ENV }),
    gatewayUrl: env.TYPESENSE_CLIENT_URL ?? declaration.file.gateway?.url ?? 'http://127.0.0.1:8001',
  };
}

/**
 * The runner's HTTP app: the kit's plumbing (one full-scope key: API_KEY) and sync as a plugin.
 *
 * @example
 *   const app = await buildRunnerApp(sync, { apiKey: 'operator-key' });
 */
export async function buildRunnerApp(sync: Sync, opts: { apiKey: string; logger?: Parameters<typeof createApp>[0]['logger'] }): Promise<App> {
  const app = createApp({
    name: 'fountain-sync',
    version: '0.1.0',
    logger: opts.logger ?? false,
    keys: [{ id: 'api', value: opts.apiKey, collections: ['*'], actions: ['*'], description: 'API_KEY' }],
    ready: async () => ({ database: sync.db.open }),
    openapi: { title: 'fountain-sync', description: 'The sync runner: a SQLite file written by any program, kept searchable through the Search Gateway.' },
  });
  await app.register(syncPlugin, { sync });
  return app;
}

/** Starts the runner from checked settings: sync, then the HTTP server; graceful shutdown on SIGTERM. */
export async function runRunner(settings: RunnerSettings): Promise<void> {
  const { env, declaration } = settings;
  // API_KEY and TYPESENSE_SERVICE_API_KEY are masked in every line, whatever writes them.
  const logger = createLogger({ name: 'fountain-sync', level: env.LOG_LEVEL, secrets: secretValues(env) });
  const sync = await startSync({
    database: declaration.database,
    tables: declaration.tables,
    gateway: { url: settings.gatewayUrl, apiKey: env.TYPESENSE_SERVICE_API_KEY },
    logger,
    ...(declaration.file.auditIntervalSeconds !== undefined && { auditIntervalMs: declaration.file.auditIntervalSeconds * 1000 }),
  });
  const app = await buildRunnerApp(sync, { apiKey: env.API_KEY, logger });
  const server = await runServer(app, { port: settings.port, host: settings.host, logger, onClose: () => sync.stop() });
  const tables = declaration.tables.map((t) => `${t.table} -> ${t.collection}`).join(', ');
  process.stdout.write(
    [
      '',
      '  fountain-sync running',
      `    database  ${declaration.database}`,
      `    tables    ${tables}`,
      `    gateway   ${settings.gatewayUrl}`,
      `    admin     ${server.address}  (/health, /ready, /metrics, /sync/status, /sync/dead-letters, /sync/audit; key: API_KEY${env.API_KEY === SEED_DEV_API_KEY ? `, development default ${SEED_DEV_API_KEY}` : ''})`,
      '',
      '',
    ].join('\n'),
  );
}
