import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Committed } from '../db/store.ts';
import type { SequenceDeps } from '../deps.ts';

/** Whether the request asks to wait until its change is searchable (`Prefer: wait-for-index`, RFC 7240). */
export function wantsIndexWait(request: FastifyRequest): boolean {
  const raw = request.headers.prefer;
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return values
    .flatMap((v) => v.split(','))
    .some((p) => (p.split(/[;=]/)[0] ?? '').trim().toLowerCase() === 'wait-for-index');
}

/**
 * Sends a committed write's answer. Without the preference that is immediate: indexing never fails or
 * delays a write. With it, the answer waits until the change is searchable; past the bound, or when
 * the index rejected one of the write's documents for good, it is the seeds' 502
 * TypesenseErrorResponse, whose details say the write itself is committed.
 */
export async function replyCommitted(
  deps: SequenceDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  write: { committed: Committed; status: number; body: unknown; what: string },
): Promise<FastifyReply> {
  if (!wantsIndexWait(request)) return reply.code(write.status).send(write.body);
  const { since, watermark } = write.committed;
  const r = await deps.sync.waitForIndexed(watermark, deps.indexWaitMs, since);
  if (r.ok) return reply.code(write.status).header('preference-applied', 'wait-for-index').send(write.body);
  if (r.reason === 'rejected') {
    request.log.warn({ since, watermark, rejected: r.rejected }, 'wait-for-index: the index rejected documents of this write');
    const first = r.rejected[0]!;
    return reply.code(502).send({
      errorCode: 'TYPESENSE_SYNC_ERROR',
      retryAttempt: 0,
      message: `The change is committed but the search index rejected it: ${first.message} (document ${first.docId}, HTTP ${first.code}).`,
      details:
        `${write.what} is saved; ${r.rejected.length} of its search document(s) were rejected and are listed in ` +
        '/sync/dead-letters, where they can be replayed once the cause is fixed. Do not repeat the write.',
    });
  }
  const stats = deps.sync.relay.stats();
  request.log.warn({ since, watermark, relay: stats.state, lastError: stats.lastError }, 'wait-for-index: not searchable within the bound');
  return reply.code(502).send({
    errorCode: 'TYPESENSE_SYNC_ERROR',
    retryAttempt: r.retryAttempt,
    message: `The change is committed but was not searchable within ${deps.indexWaitMs} ms.`,
    details: `${write.what} is saved and will be indexed as soon as the search backend accepts it (relay: ${stats.state}); do not repeat the write.`,
  });
}
