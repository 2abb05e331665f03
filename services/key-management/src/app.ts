import { createApp, jwtAuthPlugin, type JwtVerifier } from '@fountain/kit';
import type { Logger } from 'pino';
import type { KmsDeps } from './deps.ts';
import { feedRoutes } from './routes/feed.ts';
import { keyRoutes } from './routes/keys.ts';

/** What buildApp needs besides the deps. */
export interface KmsAppOptions {
  /** Verifies callers' bearer JWTs (the kit's verifier). */
  verifier: JwtVerifier;
  logger?: Logger | false;
}

/**
 * Builds the Key Management Service: issues, rotates and revokes service keys, hands a service its own
 * key (seeds/001 3.e), and feeds key changes to verifiers. Every route but /health, /ready, /metrics
 * and /docs needs a bearer JWT. Never listens and never reads the environment (server.ts does both).
 */
export async function buildApp(deps: KmsDeps, opts: KmsAppOptions) {
  const app = createApp({
    name: 'key-management',
    version: '0.1.0',
    logger: opts.logger ?? false,
    bodyLimit: 1024 * 1024,
    ready: async () => ({ database: deps.store.ping() }),
    openapi: {
      title: 'Key Management Service',
      description:
        'Issues, rotates and revokes the keys services present to the Search Gateway. Secrets have 256 random bits and are ' +
        'stored encrypted (AES-256-GCM). Callers present a JWT: role `admin` for everything, role `service` with `sub` = ' +
        'its SERVICE_NAME to read or rotate its own key, role `gateway` for the change feed. Every operation is audited.',
    },
  });
  // `curl -X POST -H 'Content-Type: application/json' .../revoke` sends no body: the kit reads it as none.
  await app.register(jwtAuthPlugin, { verifier: opts.verifier });
  // A long-polling feed reader must not hold the shutdown open.
  app.addHook('onClose', async () => deps.waiters.close());
  await app.register(keyRoutes, { deps });
  await app.register(feedRoutes, { deps });
  return app;
}
