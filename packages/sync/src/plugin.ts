/**
 * Sync as a Fastify plugin: what a service adopting sync would otherwise wire by hand. Given a running
 * sync, it decorates the app (`app.sync`), creates sync's metrics in the app's own registry, mounts
 * the dead-letter and status routes behind the app's auth, adds `sync_relay` to `/ready`, and gives
 * every write route `Prefer: wait-for-index` (RFC 7240) with no route code: the outbox range of a
 * write is recorded where its transaction commits (`writeTransaction`, write-context.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { syncAdminRoutes } from './admin-routes.ts';
import type { Sync } from './start-sync.ts';
import { trackWrites, type WriteRange } from './write-context.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's running sync (relay, dead letters, audit, drain). */
    sync: Sync;
  }
}

/** Options of {@link syncPlugin}. */
export interface SyncPluginOptions {
  sync: Sync;
  /** The bound of a `Prefer: wait-for-index` write, in ms (default 5000); past it the answer is a 502. */
  indexWaitMs?: number;
}

/** Whether the request asks to wait until its change is searchable (`Prefer: wait-for-index`). */
export function wantsIndexWait(request: FastifyRequest): boolean {
  const raw = request.headers.prefer;
  if (raw === undefined) return false;
  const values = Array.isArray(raw) ? raw : [raw];
  return values
    .flatMap((v) => v.split(','))
    .some((p) => (p.split(/[;=]/)[0] ?? '').trim().toLowerCase() === 'wait-for-index');
}

const rangesOf = new WeakMap<FastifyRequest, WriteRange[]>();

/** The seeds' TypesenseErrorResponse for a committed write that is not searchable: never "try again". */
function notSearchable(retryAttempt: number, message: string, details: string) {
  return { errorCode: 'TYPESENSE_SYNC_ERROR', retryAttempt, message, details };
}

/** Waits for the request's writes; answers the body to send (the route's, or the seeds' 502). */
async function awaitIndexed(sync: Sync, timeoutMs: number, request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  const ranges = rangesOf.get(request) ?? [];
  if (ranges.length === 0 || reply.statusCode >= 300) return payload;
  const since = Math.min(...ranges.map((r) => r.since));
  const watermark = Math.max(...ranges.map((r) => r.watermark));
  const r = await sync.waitForIndexed(watermark, timeoutMs, since);
  if (r.ok) {
    reply.header('preference-applied', 'wait-for-index');
    return payload;
  }
  reply.code(502);
  if (r.reason === 'rejected') {
    request.log.warn({ since, watermark, rejected: r.rejected }, 'wait-for-index: the index rejected documents of this write');
    const first = r.rejected[0]!;
    return notSearchable(
      0,
      `The change is committed but the search index rejected it: ${first.message} (document ${first.docId}, HTTP ${first.code}).`,
      `The write is saved; ${r.rejected.length} of its search document(s) were rejected and are listed in ` +
        '/sync/dead-letters, where they can be replayed once the cause is fixed. Do not repeat the write.',
    );
  }
  const stats = sync.relay.stats();
  request.log.warn({ since, watermark, relay: stats.state, lastError: stats.lastError }, 'wait-for-index: not searchable within the bound');
  return notSearchable(
    r.retryAttempt,
    `The change is committed but was not searchable within ${timeoutMs} ms.`,
    `The write is saved and will be indexed as soon as the search backend accepts it (relay: ${stats.state}); do not repeat the write.`,
  );
}

/**
 * Registers a running sync on an app built with the kit's `createApp`.
 *
 * @example
 *   const sync = await startSync({ database, tables, gateway });
 *   await app.register(syncPlugin, { sync, indexWaitMs: 5000 });
 *   // store: create: (c) => writeTransaction(db, () => insert.run(c))   -- that's all for wait-for-index
 */
export const syncPlugin = fp<SyncPluginOptions>(
  async function sync(app: FastifyInstance, opts: SyncPluginOptions) {
    const { sync } = opts;
    const timeoutMs = opts.indexWaitMs ?? 5000;
    app.decorate('sync', sync);
    sync.useRegistry(app.metricsRegistry);
    // The relay answering matters; the index being up does not make the service unready (writes never
    // depend on it), so a relay in backoff is ready, and only a stopped one is not.
    app.addReadyCheck('sync_relay', () => (sync.relay.stats().state === 'stopped' ? 'sync relay stopped' : true));
    await app.register(syncAdminRoutes, { sync });

    // preHandler: after the body is parsed (a context opened in onRequest would not survive the body
    // stream's callbacks), right before the handler, which runs inside it.
    app.addHook('preHandler', (request, _reply, done) => {
      if (!wantsIndexWait(request)) return done();
      const ranges: WriteRange[] = [];
      rangesOf.set(request, ranges);
      trackWrites(ranges, done);
    });
    // onSend: every answer passes here, with or without a body (a 204 too). The wait replaces a success
    // with the seeds' 502 when the change is not searchable within the bound.
    app.addHook('onSend', async (request, reply, payload) => {
      if (!rangesOf.has(request)) return payload;
      const out = await awaitIndexed(sync, timeoutMs, request, reply, payload);
      if (out === payload) return payload;
      reply.type('application/json; charset=utf-8');
      return JSON.stringify(out);
    });
  },
  { name: '@fountain/sync', fastify: '5.x', dependencies: ['@fountain/kit/observability'] },
);
