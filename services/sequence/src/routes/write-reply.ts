import type { FastifyReply, FastifyRequest } from 'fastify';
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
 * delays a write. With it, the answer waits until the change is searchable; past the bound it is the
 * seeds' 502 TypesenseErrorResponse, whose details say the write itself is committed.
 */
export async function replyCommitted(
  deps: SequenceDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  committed: { watermark: number; status: number; body: unknown; what: string },
): Promise<FastifyReply> {
  if (!wantsIndexWait(request)) return reply.code(committed.status).send(committed.body);
  const r = await deps.sync.waitForIndexed(committed.watermark, deps.indexWaitMs);
  if (r.ok) return reply.code(committed.status).header('preference-applied', 'wait-for-index').send(committed.body);
  const stats = deps.sync.relay.stats();
  request.log.warn({ watermark: committed.watermark, relay: stats.state, lastError: stats.lastError }, 'wait-for-index: not searchable within the bound');
  return reply.code(502).send({
    errorCode: 'TYPESENSE_SYNC_ERROR',
    retryAttempt: r.retryAttempt,
    message: `The change is committed but was not searchable within ${deps.indexWaitMs} ms.`,
    details: `${committed.what} is saved and will be indexed as soon as the search backend accepts it (relay: ${stats.state}); do not repeat the write.`,
  });
}
