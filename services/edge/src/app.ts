import cors from '@fastify/cors';
import { createApp, jwtAuthenticator } from '@fountain/kit';
import type { Logger } from 'pino';
import type { EdgeAppOptions, EdgeDeps } from './deps.ts';
import { checkRole } from './identity.ts';
import { assertSafePath } from './path-guard.ts';
import { proxyRoutes } from './proxy.ts';
import { registerRateLimits } from './rate-limit.ts';
import { searchRoutes } from './routes/search.ts';

/**
 * Builds the edge: the one public entry point. Per request, in this order: the request id; a path
 * that could resolve elsewhere is refused; the JWT is verified; the caller's rate limit is counted;
 * the route's role (from the route table) is checked; then the route answers (GET /v1/search) or the
 * request is proxied to its service. Never listens and never reads the environment.
 */
export async function buildApp(deps: EdgeDeps, opts: EdgeAppOptions & { logger?: Logger | false }) {
  const app = createApp({
    name: 'edge',
    version: '0.1.0',
    logger: opts.logger ?? false,
    ...(opts.trustProxy !== undefined && { trustProxy: opts.trustProxy }),
    ready: async () => {
      const checks: Record<string, boolean | string> = {};
      await Promise.all(
        deps.upstreams.map(async (u) => {
          try {
            const res = await fetch(`${u.url}/health`, { signal: AbortSignal.timeout(2000) });
            checks[u.name] = res.ok || `answered ${res.status}`;
          } catch {
            checks[u.name] = 'unreachable';
          }
        }),
      );
      if (deps.redis) checks.redis = deps.redis.status === 'ready' || `redis ${deps.redis.status}`;
      return checks;
    },
    openapi: {
      title: 'FountainAI edge API',
      description:
        'The public, versioned API of FountainAI. Every route needs `Authorization: Bearer <JWT>`; each names ' +
        'the least role it needs (viewer < editor < operator < admin). Errors are `{errorCode, message, details}`.',
    },
  });
  app.decorateRequest('principal', null);
  if (opts.corsOrigins) {
    await app.register(cors, {
      origin: opts.corsOrigins === '*' ? '*' : opts.corsOrigins,
      exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
      maxAge: 600,
    });
  }
  const limit = await registerRateLimits(app, { limits: opts.rateLimits, redis: deps.redis });
  const verify = jwtAuthenticator({ verifier: deps.verifier });
  app.addHook('onRequest', async (request, reply) => {
    assertSafePath(request.url);
    await verify(request);
    await limit(request, reply);
    checkRole(request);
  });

  await app.register(searchRoutes, {
    gateway: deps.gateway,
    collections: opts.searchCollections ?? null,
    ttlMs: opts.searchTtlMs ?? 30_000,
  });
  await app.register(proxyRoutes, { upstreams: deps.upstreams, timeoutMs: opts.timeoutMs, connectTimeoutMs: opts.connectTimeoutMs });
  return app;
}
