/**
 * Test support for the edge: a recording HTTP upstream (a real server on a loopback port that answers
 * every request with what it received), and an edge built in-process on real JWTs.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createJwtVerifier, mintDevToken, type JwtVerifier } from '@fountain/kit';
import type { Redis } from 'ioredis';
import { buildApp } from '../src/app.ts';
import type { SearchGatewayClient } from '../src/clients/search-gateway.ts';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../src/config.ts';
import type { EdgeAppOptions } from '../src/deps.ts';
import type { Role } from '../src/roles.ts';
import { SERVICE_NAMES, type ServiceName, type Upstream } from '../src/services.ts';

/** A throwaway HS256 secret for tests (32+ bytes). */
export const TEST_JWT_SECRET = 'edge-test-secret-0123456789abcdef-0123456789';
export const TEST_ISSUER = 'edge-test';
export const TEST_AUDIENCE = 'fountain';

/** One request as the upstream saw it. */
export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** A recording upstream. */
export interface RecordingUpstream {
  url: string;
  seen: Seen[];
  /** Changes how it answers (default: 200 with `{method, url}`). */
  behave(fn: (seen: Seen, res: ServerResponse) => void): void;
  close(): Promise<void>;
}

/** Starts a recording upstream on 127.0.0.1. */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const seen: Seen[] = [];
  let behaviour = (s: Seen, res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: s.method, url: s.url }));
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const s = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawHeaders: req.rawHeaders, body: Buffer.concat(chunks) };
      seen.push(s);
      behaviour(s, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    behave(fn) {
      behaviour = fn;
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A token from the test issuer. */
export function tokenFor(roles: Array<Role | string>, sub = `user-${roles.join('-') || 'none'}`, extra: Partial<Parameters<typeof mintDevToken>[0]> = {}): Promise<string> {
  return mintDevToken({ sub, roles, secret: TEST_JWT_SECRET, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ...extra });
}

/** The verifier the test edge uses (HS256 with {@link TEST_JWT_SECRET}). */
export function testVerifier(): JwtVerifier {
  return createJwtVerifier({ secret: TEST_JWT_SECRET, issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
}

/** A gateway client that answers no collections (for tests not about /v1/search). */
export const noSearch: SearchGatewayClient = {
  targets: async () => [],
  multiSearch: async () => [],
  close: async () => {},
};

/** Builds the edge in-process with every service pointed at `url`. */
export async function buildTestEdge(opts: {
  url: string;
  verifier?: JwtVerifier;
  gateway?: SearchGatewayClient;
  rateLimits?: Partial<RateLimits>;
  app?: Partial<EdgeAppOptions>;
  redis?: Redis;
  /** The services configured (default all). */
  only?: ServiceName[];
}) {
  const upstreams: Upstream[] = (opts.only ?? SERVICE_NAMES).map((name) => ({
    name,
    url: opts.url,
    auth: name === 'kms' ? { kind: 'caller-jwt' } : { kind: 'api-key', apiKey: `${name}-service-key-for-tests` },
  }));
  return buildApp(
    { verifier: opts.verifier ?? testVerifier(), upstreams, gateway: opts.gateway ?? noSearch, ...(opts.redis && { redis: opts.redis }) },
    { rateLimits: { ...DEFAULT_RATE_LIMITS, ...opts.rateLimits }, timeoutMs: 5_000, connectTimeoutMs: 2_000, ...opts.app },
  );
}

/** A concrete path for a route-table path: each `:param` becomes a sample value. */
export function samplePath(path: string): string {
  return path.replace(/:([A-Za-z_]\w*)/g, (_m, name: string) => `sample-${name}`);
}

/**
 * Sends bytes as they are over a new TCP connection and answers everything the server sent until it
 * closed the connection (or `waitMs` passed). For requests no well-behaved client would send.
 */
export async function rawHttp(port: number, bytes: string | Buffer, waitMs = 2_000): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (c: Buffer) => (out += c.toString('latin1')));
    socket.on('error', (err) => (out === '' ? reject(err) : resolve(out)));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(bytes);
  });
}
