import { createApp } from '@fountain/kit';
import { syncAdminRoutes } from '@fountain/sync';
import type { Logger } from 'pino';
import type { Metric, Registry } from 'prom-client';
import type { SequenceDeps } from './deps.ts';
import { elementRoutes } from './routes/elements.ts';
import { searchRoutes } from './routes/search.ts';
import { sequenceRoutes } from './routes/sequence.ts';

/** What buildApp needs besides the deps. */
export interface SequenceAppOptions {
  /** API_KEY: the one key callers present (X-API-KEY, or Authorization: Bearer). */
  apiKey: string;
  logger?: Logger | false;
  bodyLimit?: number;
  /** Sync's metrics registry; its metrics are served by /metrics too. */
  syncRegistry?: Registry;
}

/**
 * Builds the Central Sequence Service (the seeds' Service A): sequence numbers, reorders and versions
 * of story elements in SQLite, every version searchable through @fountain/sync. Never listens and
 * never reads the environment (server.ts does both).
 */
export async function buildApp(deps: SequenceDeps, opts: SequenceAppOptions) {
  const app = createApp({
    name: 'sequence',
    version: '0.1.0',
    logger: opts.logger ?? false,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    // One full-scope key: the seeds' API_KEY check, with the kit's constant-time comparison.
    keys: [{ id: 'api', value: opts.apiKey, collections: ['*'], actions: ['*'], description: 'API_KEY' }],
    health: () => ({ status: 'healthy' }),
    ready: async () => {
      const stats = deps.sync.relay.stats();
      return {
        database: deps.store.ping(),
        // The relay answering matters; the index being up does not make this service unready (writes
        // never depend on it), so a relay in backoff is reported, not failed.
        sync_relay: stats.state === 'stopped' ? 'sync relay stopped' : true,
      };
    },
    openapi: {
      title: 'Central Sequence Service',
      description:
        'Sequence numbers, reordering and versions of story elements (script, section, character, action, ' +
        'spokenWord), kept in SQLite; every version is searchable through the Search Gateway. Send ' +
        '`Prefer: wait-for-index` with a write to answer only once it is searchable.',
    },
  });
  await app.register(sequenceRoutes, { deps });
  await app.register(elementRoutes, { deps });
  await app.register(searchRoutes, { deps });
  await app.register(syncAdminRoutes, { sync: deps.sync });
  // Sync starts before the app exists (the app's routes need it), so its metrics live in their own
  // registry; move them into the app's. getMetricsAsArray answers the metric objects themselves,
  // though its published type is narrower.
  for (const metric of opts.syncRegistry?.getMetricsAsArray() ?? []) app.metricsRegistry.registerMetric(metric as unknown as Metric);
  return app;
}
