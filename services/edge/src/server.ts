import { bindHost, createJwtVerifier, createLogger, runServer, secretValues, settingsOrExit } from '@fountain/kit';
import { Redis } from 'ioredis';
import { buildApp } from './app.ts';
import { createSearchGatewayClient } from './clients/search-gateway.ts';
import { readSettings } from './config.ts';

/** Starts the edge: settings, the JWT verifier, Redis when configured, the app, graceful shutdown. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const settings = settingsOrExit(() => readSettings(env));
  const { config } = settings;
  const log = createLogger({ name: 'edge', level: config.LOG_LEVEL, secrets: secretValues(config) });
  const verifier = createJwtVerifier(settings.jwt);
  const search = settings.upstreams.find((u) => u.name === 'search');
  if (search === undefined) throw new Error('no search upstream');
  const gateway = createSearchGatewayClient({ upstream: search, timeoutMs: config.UPSTREAM_TIMEOUT_MS, connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS });
  // Rate limiting fails open while Redis is away (see rate-limit.ts); commands don't queue for long.
  const redis = config.REDIS_URL
    ? new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, lazyConnect: false })
    : undefined;
  redis?.on('error', (err: Error) => log.warn({ err: { message: err.message } }, 'redis error; rate limits are not shared until it is back'));

  const app = await buildApp(
    { verifier, upstreams: settings.upstreams, gateway, ...(redis && { redis }) },
    {
      logger: log,
      rateLimits: settings.rateLimits,
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      corsOrigins: settings.corsOrigins,
      ...(settings.trustProxy && { trustProxy: settings.trustProxy }),
      searchCollections: settings.searchCollections,
      searchTtlMs: config.SEARCH_SCHEMA_TTL_MS,
    },
  );
  const host = bindHost(config);
  await runServer(app, {
    port: config.PORT,
    host,
    logger: log,
    onClose: async () => {
      await gateway.close();
      redis?.disconnect();
    },
  });
  const shown = host === '0.0.0.0' ? 'localhost' : host;
  const banner = [
    '',
    '  Edge API gateway ready',
    `    URL       http://${shown}:${config.PORT}/v1   (docs: /docs)`,
    ...settings.upstreams.map((u) => `    ${u.name.padEnd(9)} ${u.url}`),
    `    JWT       ${settings.jwt.jwksUrl ? `JWKS ${settings.jwt.jwksUrl}` : 'HS256 (JWT_SECRET)'}, iss ${settings.jwt.issuer}, aud ${settings.jwt.audience}`,
    `    limits    ${redis ? 'shared in Redis' : 'in memory'}`,
    '',
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
}

await main();
