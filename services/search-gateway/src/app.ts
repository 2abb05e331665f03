import { createApp, type ApiKey } from '@fountain/kit';
import type { GatewayDeps } from './deps.ts';
import { scopedKeyLookup } from './domain/scoped-keys.ts';
import { seedRoutes } from './routes/seed.ts';
import { collectionRoutes } from './routes/collections.ts';
import { documentRoutes } from './routes/documents.ts';
import { searchRoutes } from './routes/search.ts';
import { aliasRoutes } from './routes/aliases.ts';
import type { KeyMirror } from '@fountain/kms-client';
import type { Logger } from 'pino';

/** What buildApp needs besides the deps: who may call, and how to log. */
export interface GatewayAppOptions {
  keys: ApiKey[];
  /** Keys issued by the Key Management Service (its mirror), asked when no static key matches. */
  keyMirror?: Pick<KeyMirror, 'lookup' | 'status' | 'searchParents'>;
  logger?: Logger | false;
  bodyLimit?: number;
}

/**
 * Builds the Search Gateway: the seeds' endpoints plus a Typesense-compatible subset, behind API keys
 * with scopes. Never listens and never reads the environment (server.ts does both).
 */
export async function buildApp(deps: GatewayDeps, opts: GatewayAppOptions) {
  const app = await createApp({
    name: 'search-gateway',
    version: '0.1.0',
    logger: opts.logger ?? false,
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
    keys: opts.keys,
    // KMS keys, then scoped search keys derived from the KMS's search-only keys.
    ...(opts.keyMirror ? { keyLookup: (presented: string) => opts.keyMirror!.lookup(presented) ?? scopedKeyLookup(opts.keyMirror!, presented) } : {}),
    ready: async () => ({
      [`search_backend_${deps.backend.kind}`]: await deps.backend.health(),
      // KMS down: degraded (the last known keys still work), never unavailable.
      ...(opts.keyMirror ? { key_management: opts.keyMirror.status() } : {}),
    }),
    openapi: {
      title: 'Search Gateway (Typesense Client Microservice)',
      description:
        'The only holder of the Typesense admin key. Authenticates services by API key, scopes each key to ' +
        'collections and actions, and serves the seeds\' endpoints plus a Typesense-compatible API from ' +
        'a real Typesense or the embedded engine.',
    },
  });
  // A key may come in the query string (`x-typesense-api-key`, as Typesense accepts it). Auth has read
  // it by now (onRequest); drop it before validation, so closed query schemas don't refuse it and it is
  // never passed on to the engine as a search parameter.
  app.addHook('preValidation', async (request) => {
    const query = request.query as Record<string, unknown> | undefined;
    if (query && typeof query === 'object' && 'x-typesense-api-key' in query) delete query['x-typesense-api-key'];
  });
  await app.register(seedRoutes, { deps });
  await app.register(collectionRoutes, { deps });
  await app.register(documentRoutes, { deps });
  await app.register(searchRoutes, { deps });
  await app.register(aliasRoutes, { deps });
  return app;
}
