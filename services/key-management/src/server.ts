import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { bindHost, createJwtVerifier, createLogger, runServer, secretValues, settingsOrExit } from '@fountain/kit';
import { buildApp } from './app.ts';
import { readSettings } from './config.ts';
import { openStore } from './db/store.ts';
import { createFeedWaiters } from './domain/feed.ts';
import { createKeyManager } from './domain/keys.ts';
import { provisionKeys } from './domain/provision.ts';
import { createKmsMetrics } from './metrics.ts';

/** How often automatic rotation looks for keys past their age. */
const AUTO_ROTATE_CHECK_MS = 60_000;

/** Starts the Key Management Service: config, database, provisioning, HTTP server, graceful shutdown. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const { config, databasePath, masterKey, jwt, provision } = settingsOrExit(() => readSettings(env));
  const log = createLogger({ name: 'key-management', level: config.LOG_LEVEL, secrets: secretValues(config) });
  const dbFile = databasePath === ':memory:' ? databasePath : resolve(databasePath);
  if (dbFile !== ':memory:') mkdirSync(dirname(dbFile), { recursive: true });
  const store = openStore(dbFile);
  const waiters = createFeedWaiters(store);
  let operation: (action: string, outcome: string) => void = () => undefined;
  const keys = createKeyManager({
    store,
    masterKey,
    graceMs: config.KEY_GRACE_PERIOD_SEC * 1000,
    onChange: () => waiters.notify(),
    onAudit: (action, outcome) => operation(action, outcome),
  });
  const app = await buildApp({ store, keys, waiters }, { verifier: createJwtVerifier(jwt), logger: log });
  operation = createKmsMetrics(app.metricsRegistry, store).operation;

  const issued = provisionKeys(keys, provision);
  if (issued.length > 0) log.info({ services: issued }, 'issued keys for services that had none (KMS_SERVICES)');

  const rotateAfterMs = config.KEY_ROTATE_AFTER_DAYS * 86_400_000;
  const rotator =
    rotateAfterMs > 0
      ? setInterval(() => {
          const rotated = keys.rotateOlderThan(rotateAfterMs);
          if (rotated.length > 0) log.info({ keys: rotated }, 'automatic rotation');
        }, Math.min(AUTO_ROTATE_CHECK_MS, rotateAfterMs))
      : undefined;

  const host = bindHost(config);
  await runServer(app, {
    port: config.PORT,
    host,
    logger: log,
    onClose: async () => {
      clearInterval(rotator);
      store.close();
    },
  });
  const shown = host === '0.0.0.0' ? 'localhost' : host;
  process.stdout.write(
    [
      '',
      '  Key Management Service ready',
      `    URL       http://${shown}:${config.PORT}`,
      `    docs      http://${shown}:${config.PORT}/docs`,
      `    database  ${dbFile}`,
      `    token     npm run -s token -- --role admin`,
      '',
    ].join('\n') + '\n',
  );
}

await main();
