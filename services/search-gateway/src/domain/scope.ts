import { AppError, authorize } from '@fountain/kit';
import type { FastifyRequest } from 'fastify';
import type { GatewayDeps } from '../deps.ts';

/**
 * Checks a key's scope on a collection named by the caller, alias or not, and answers the name to
 * send to the engine.
 *
 * A key scoped to `sequence_*` must not reach `other_secret` through an alias `sequence_pub` that a
 * full key pointed there, so the check is made on both the name as given and the collection behind
 * it. The engine is then sent the collection itself, not the alias: what is checked is what is
 * touched, even if the alias is repointed between the check and the request.
 *
 * Keys that may touch every collection skip the lookup (nothing to check, and the engine resolves the
 * alias itself). The lookup goes through the schema cache: after this gateway changes an alias it is
 * exact; a change made by another gateway instance is seen within the cache's TTL (2 s), and in that
 * window the request still goes to a collection the key may use.
 *
 * @example
 *   const target = await authorizeCollection(req, deps, 'documents:delete', req.params.collection);
 *   await deps.backend.deleteDocument(target, id);
 */
export async function authorizeCollection(
  req: FastifyRequest,
  deps: Pick<GatewayDeps, 'schemas'>,
  action: string,
  name: string,
): Promise<string> {
  authorize(req, action, name);
  const key = req.apiKey;
  if (!req.server.hasRequestDecorator('apiKey') || key === null || key.collections.includes('*')) return name;
  const target = await resolveCollection(deps, name);
  if (target !== name) authorize(req, action, target);
  return target;
}

/** The collection behind a name (itself when it is no alias, or when nothing by that name exists). */
export async function resolveCollection(deps: Pick<GatewayDeps, 'schemas'>, name: string): Promise<string> {
  try {
    return (await deps.schemas.get(name)).name;
  } catch (err) {
    // Nothing by that name: the engine answers the 404 itself when the request is made.
    if (err instanceof AppError && err.code === 'NOT_FOUND') return name;
    throw err;
  }
}
