import type { Redis } from 'ioredis';
import type { SearchGatewayClient } from './clients/search-gateway.ts';
import type { RateLimits } from './config.ts';
import type { JwtVerifier } from '@fountain/kit';
import type { Upstream } from './services.ts';

/** What the edge is built from; server.ts makes it once. */
export interface EdgeDeps {
  verifier: JwtVerifier;
  upstreams: Upstream[];
  gateway: SearchGatewayClient;
  /** Shared rate-limit counters; undefined: in memory. */
  redis?: Redis;
}

/** The edge's settings that shape the app. */
export interface EdgeAppOptions {
  rateLimits: RateLimits;
  timeoutMs: number;
  connectTimeoutMs: number;
  corsOrigins?: string[] | '*' | null;
  trustProxy?: string[];
  searchCollections?: string[] | null;
  searchTtlMs?: number;
}
