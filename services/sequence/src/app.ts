import type { App } from '@fountain/kit';
import { createServiceApp, searchRoute } from '@fountain/service';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SequenceDeps } from './deps.ts';
import { elementRoutes } from './routes/elements.ts';
import { sequenceRoutes } from './routes/sequence.ts';

/** What buildApp needs besides the deps. */
export interface SequenceAppOptions {
  /** API_KEY: the one key callers present (X-API-KEY, or Authorization: Bearer). */
  apiKey: string;
  logger?: Logger | false;
  bodyLimit?: number;
  /**
   * @deprecated Not needed: the sync plugin creates sync's metrics in the app's own registry. Accepted
   * (and ignored) so callers written before the plugin keep working.
   */
  syncRegistry?: Registry;
}

/** The service's title and description (OpenAPI, banner). */
export const SEQUENCE_TITLE = 'Central Sequence Service';
export const SEQUENCE_DESCRIPTION =
  'Sequence numbers, reordering and versions of story elements (script, section, character, action, ' +
  'spokenWord), kept in SQLite; every version is searchable through the Search Gateway.';

/** Registers the service's routes on an app that has the sync plugin (the blueprint's service app). */
export async function registerRoutes(app: App, deps: SequenceDeps): Promise<void> {
  await app.register(sequenceRoutes, { deps });
  await app.register(elementRoutes, { deps });
  searchRoute(app, { backend: deps.search, collection: deps.collection, queryBy: 'comment', summary: 'Search element versions' });
}

/**
 * Builds the Central Sequence Service (the seeds' Service A) on the blueprint: the kit's plumbing, sync
 * as a plugin (admin routes, metrics, readiness, `Prefer: wait-for-index`), and this service's routes.
 * Never listens and never reads the environment (server.ts does both, through `runService`).
 */
export async function buildApp(deps: SequenceDeps, opts: SequenceAppOptions): Promise<App> {
  const app = await createServiceApp({
    name: 'sequence',
    title: SEQUENCE_TITLE,
    description: SEQUENCE_DESCRIPTION,
    apiKey: opts.apiKey,
    sync: deps.sync,
    indexWaitMs: deps.indexWaitMs,
    ping: () => deps.store.ping(),
    logger: opts.logger ?? false,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
  });
  await registerRoutes(app, deps);
  return app;
}
