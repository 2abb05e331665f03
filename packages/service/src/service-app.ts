/**
 * The app of a domain service: the kit's plumbing (one full-scope key, API_KEY), with sync registered
 * as a plugin (app.sync, its metrics, its admin routes, `sync_relay` in /ready, wait-for-index).
 */
import { createApp, type App } from '@fountain/kit';
import { syncPlugin, type Sync } from '@fountain/sync';
import type { Logger } from 'pino';

/** Options of {@link createServiceApp}. */
export interface ServiceAppOptions {
  /** The short name (logger, metrics label). */
  name: string;
  /** The OpenAPI title, e.g. `Character Service`. */
  title: string;
  description: string;
  version?: string;
  /** API_KEY: the one key callers present (X-API-KEY, or Authorization: Bearer). */
  apiKey: string;
  sync: Sync;
  /** The bound of `Prefer: wait-for-index`, in ms. */
  indexWaitMs?: number;
  /** The database answers (for /ready). */
  ping: () => boolean;
  logger?: Logger | false;
  bodyLimit?: number;
}

/**
 * Builds a domain service's app, ready for its routes. Never listens.
 *
 * @example
 *   const app = await createServiceApp({ name: 'characters', title: 'Character Service', description, apiKey, sync, ping });
 */
export async function createServiceApp(o: ServiceAppOptions): Promise<App> {
  const app = createApp({
    name: o.name,
    version: o.version ?? '0.1.0',
    logger: o.logger ?? false,
    ...(o.bodyLimit ? { bodyLimit: o.bodyLimit } : {}),
    // One full-scope key: the seeds' API_KEY check, with the kit's constant-time comparison.
    keys: [{ id: 'api', value: o.apiKey, collections: ['*'], actions: ['*'], description: 'API_KEY' }],
    ready: async () => ({ database: o.ping() }),
    openapi: {
      title: o.title,
      description: `${o.description} Send \`Prefer: wait-for-index\` with a write to answer only once it is searchable.`,
    },
  });
  await app.register(syncPlugin, { sync: o.sync, ...(o.indexWaitMs !== undefined && { indexWaitMs: o.indexWaitMs }) });
  return app;
}
