/**
 * Rate limits with @fastify/rate-limit: per verified subject (per IP for anonymous requests), a
 * budget by role, and routes given their own budget in RATE_LIMITS counted apart. Counters live in
 * Redis when REDIS_URL is set (shared by every edge instance), in memory otherwise. Over the limit is
 * a 429 RATE_LIMITED envelope with Retry-After.
 *
 * The plugin's per-route hooks only reach routes added after it, and the kit adds /health, /docs and
 * the others first; so the limiter is used through `createRateLimit` in one global hook instead, which
 * also lets it run after the token is verified (the subject is the key).
 */
import { createRequire } from 'node:module';
import { AppError } from '@fountain/kit';
import rateLimit, { type FastifyRateLimitOptions, type FastifyRateLimitStore } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { RateLimits } from './config.ts';
import { highestRole } from './roles.ts';

/** The namespace of the edge's counters in Redis. */
export const REDIS_NAMESPACE = 'fountain-edge-rl:';

type Counted = { current: number; ttl: number };
interface InnerStore {
  incr(key: string, cb: (err: Error | null, res?: Counted) => void, timeWindow: number, max: number): void;
  child(routeOptions: unknown): InnerStore;
}
// The plugin's memory store, which it doesn't export by name (a CommonJS file with no exports map).
const LocalStore = createRequire(import.meta.url)('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  cache?: number,
) => InnerStore;

/**
 * The plugin's memory store, answering a copy of each count. Its own answer is the live counter
 * object, so requests counted in one tick (several pipelined on one connection) all read the last
 * count once they resume, and all but none would be refused; a copy keeps each request's own count.
 */
export class SnapshotLocalStore implements FastifyRateLimitStore {
  private readonly inner: InnerStore;

  constructor(_options: FastifyRateLimitOptions, inner?: InnerStore) {
    this.inner = inner ?? new LocalStore(false, false, 100_000);
  }

  incr(key: string, callback: (error: Error | null, result?: Counted) => void, timeWindow: number, max: number): void {
    this.inner.incr(key, (err, res) => callback(err, res && { current: res.current, ttl: res.ttl }), timeWindow, max);
  }

  child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    return new SnapshotLocalStore({}, this.inner.child(routeOptions));
  }
}

/** The bucket a request counts against, and its budget. */
export function bucketOf(request: FastifyRequest, limits: RateLimits): { key: string; max: number } {
  const who = request.principal === null ? `ip:${request.ip}` : `sub:${request.principal.subject}`;
  const routeKey = request.routeOptions.config.routeKey;
  const own = routeKey === undefined ? undefined : limits.routes[routeKey];
  if (own !== undefined) return { key: `route:${routeKey}|${who}`, max: own };
  if (request.principal === null) return { key: who, max: limits.anonymous };
  const role = highestRole(request.principal.roles);
  // A token with none of the edge's roles is refused by the role check anyway; count it at the lowest budget.
  return { key: who, max: limits.roles[role ?? 'viewer'] };
}

/**
 * Registers the limiter and answers the hook that applies it (run it after authentication).
 *
 * @example
 *   const limit = await registerRateLimits(app, { limits, redis });
 *   app.addHook('onRequest', limit);
 */
export async function registerRateLimits(
  app: FastifyInstance,
  opts: { limits: RateLimits; redis?: Redis | undefined },
): Promise<(request: FastifyRequest, reply: FastifyReply) => Promise<void>> {
  const { limits } = opts;
  await app.register(rateLimit, {
    global: false,
    // A Redis outage must not take the edge down with it: requests pass unlimited while it is away
    // (the edge's /ready names it), rather than every request failing.
    skipOnError: true,
    ...(opts.redis ? { redis: opts.redis, nameSpace: REDIS_NAMESPACE } : { store: SnapshotLocalStore }),
  });
  const limiter = app.createRateLimit({
    keyGenerator: (request) => bucketOf(request, limits).key,
    max: (request) => bucketOf(request, limits).max,
    timeWindow: limits.windowMs,
  });
  return async (request, reply) => {
    const result = await limiter(request);
    if (result.isAllowed) return;
    reply.header('x-ratelimit-limit', result.max);
    reply.header('x-ratelimit-remaining', result.remaining);
    reply.header('x-ratelimit-reset', result.ttlInSeconds);
    if (!result.isExceeded) return;
    reply.header('retry-after', Math.max(1, result.ttlInSeconds));
    throw new AppError('RATE_LIMITED', `Rate limit exceeded: ${result.max} requests per ${limits.windowMs / 1000} s; retry in ${Math.max(1, result.ttlInSeconds)} s`, {
      details: { limit: result.max, windowSeconds: limits.windowMs / 1000, retryAfterSeconds: Math.max(1, result.ttlInSeconds) },
    });
  };
}
