/**
 * The proxy: one Fastify route per row of the route table, forwarded with @fastify/reply-from on
 * undici. Bodies are not parsed: the request stream goes to the service as it arrives (a JSONL import
 * of any size passes in bounded memory). Each call carries the service's own key, never the caller's
 * token; the caller's verified subject and roles; X-Request-Id; and X-Forwarded-For/-Proto/-Host.
 * Hop-by-hop headers are dropped both ways. A service that is down answers 502, one too slow 504,
 * both in the envelope.
 */
import { AppError, sendEnvelope, type ErrorCode } from '@fountain/kit';
import replyFrom from '@fastify/reply-from';
import type { FastifyInstance, FastifyReply, FastifyRequest, RawServerBase, RouteGenericInterface } from 'fastify';

type AnyRequest = FastifyRequest<RouteGenericInterface, RawServerBase>;
type AnyReply = FastifyReply<RouteGenericInterface, RawServerBase>;
import type { IncomingHttpHeaders } from 'node:http';
import { ROUTES, upstreamPathOf, type EdgeRoute } from './routes/route-table.ts';
import { ROLES_HEADER, SERVICE_ENV, SUBJECT_HEADER, type ServiceName, type Upstream } from './services.ts';

/** Headers that describe one hop only (RFC 9110 section 7.6.1), never forwarded either way. */
export const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade'];

/** Caller headers a service must never receive: credentials meant for the edge, and identity only the edge sets. */
const CALLER_ONLY = ['x-api-key', 'x-typesense-api-key', 'cookie', SUBJECT_HEADER, ROLES_HEADER];

/** Options for {@link proxyRoutes}. */
export interface ProxyOptions {
  upstreams: Upstream[];
  /** Headers and body timeout, ms. */
  timeoutMs: number;
  connectTimeoutMs: number;
}

/**
 * A subject as a header value: anything outside visible ASCII is percent-encoded, so a crafted `sub`
 * can't break the header or add one.
 */
export function headerSafe(s: string): string {
  if (/^[\x21-\x7e]*$/.test(s)) return s;
  // Byte-wise (a lone surrogate becomes U+FFFD's bytes instead of throwing, as encodeURIComponent would).
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) out += b > 0x20 && b < 0x7f && b !== 0x25 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** Roles as a header value: only well-formed role names, comma-separated. */
export const rolesHeader = (roles: readonly string[]): string => roles.filter((r) => /^[\w.:-]{1,64}$/.test(r)).join(',');

function forwardedFor(request: AnyRequest): string {
  // With TRUST_PROXY, request.ips is [peer, ...the trusted part of the chain, first untrusted]; the
  // chain written on is client first. Without it only the peer is known.
  const ips = request.ips ?? [request.socket.remoteAddress ?? request.ip];
  return [...ips].reverse().join(', ');
}

/** The headers a service receives for a request. */
export function upstreamHeaders(request: AnyRequest, headers: IncomingHttpHeaders, upstream: Upstream): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  for (const h of HOP_BY_HOP) delete out[h];
  for (const h of CALLER_ONLY) delete out[h];
  for (const h of Object.keys(out)) if (h.startsWith('x-forwarded-') || h === 'forwarded') delete out[h];
  // The caller's token goes only to a service that verifies JWTs itself (the KMS); every other one
  // gets its own key.
  if (upstream.auth.kind === 'api-key') {
    delete out.authorization;
    out['x-api-key'] = upstream.auth.apiKey;
  }
  out['x-request-id'] = request.id;
  out['x-forwarded-for'] = forwardedFor(request);
  out['x-forwarded-proto'] = request.protocol;
  out['x-forwarded-host'] = request.host;
  if (request.principal) {
    out[SUBJECT_HEADER] = headerSafe(request.principal.subject);
    out[ROLES_HEADER] = rolesHeader(request.principal.roles);
  }
  return out;
}

/** The response headers a caller receives: the service's, minus hop-by-hop ones. */
export function downstreamHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers };
  const listed = typeof headers.connection === 'string' ? headers.connection.split(',').map((s) => s.trim().toLowerCase()) : [];
  for (const h of [...HOP_BY_HOP, ...listed]) delete out[h];
  return out;
}

const TIMEOUT_CODES = new Set(['FST_REPLY_FROM_GATEWAY_TIMEOUT', 'FST_REPLY_FROM_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Maps a failed upstream call to the envelope code: 504 when it was too slow, else 502. */
export function upstreamFailure(error: unknown): ErrorCode {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && TIMEOUT_CODES.has(e.code)) return 'UPSTREAM_TIMEOUT';
  }
  return 'UPSTREAM_UNAVAILABLE';
}

function onUpstreamError(service: ServiceName) {
  return (reply: AnyReply, { error }: { error: Error }) => {
    const code = upstreamFailure(error);
    const label = SERVICE_ENV[service].label;
    reply.request.log.warn({ err: error, service, errorCode: code }, 'upstream call failed');
    // The caller's body may be half read; the connection can't be reused for another request.
    if (!reply.request.raw.complete) reply.header('connection', 'close');
    const message = code === 'UPSTREAM_TIMEOUT' ? `The ${label} did not answer in time` : `The ${label} is unavailable`;
    // Our server is HTTP/1 (RawServerDefault); reply-from types its reply for any server.
    sendEnvelope(reply as FastifyReply, code === 'UPSTREAM_TIMEOUT' ? 504 : 502, { errorCode: code, message, details: { service } });
  };
}

// The caller's query string, minus a key parameter meant for the gateway (the edge presents its own).
function queryOf(_search: string | undefined, url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return '';
  const qs = url.slice(q + 1);
  if (!/x-typesense-api-key/i.test(qs)) return qs;
  return qs.split('&').filter((p) => !/^x-typesense-api-key(=|$)/i.test(p)).join('&');
}

/**
 * Fastify plugin (encapsulated, for its pass-through body parser) registering the proxied routes of
 * the table.
 *
 * @example
 *   await app.register(proxyRoutes, { upstreams, timeoutMs: 30_000, connectTimeoutMs: 5_000 });
 */
export async function proxyRoutes(app: FastifyInstance, opts: ProxyOptions): Promise<void> {
  await app.register(replyFrom, {
    undici: {
      connections: 256,
      pipelining: 1,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      connectTimeout: opts.connectTimeoutMs,
    },
    disableRequestLogging: true,
  });
  // Bodies stream through untouched: no parsing, no buffering, whatever the content type.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, payload, done) => done(null, payload));

  const byName = new Map(opts.upstreams.map((u) => [u.name, u]));
  for (const route of ROUTES) {
    if (route.service === 'edge') continue;
    registerOne(app, route, route.service, byName.get(route.service));
  }
}

function registerOne(app: FastifyInstance, route: EdgeRoute, service: ServiceName, upstream: Upstream | undefined): void {
  const onError = onUpstreamError(service);
  const { label, url: variable } = SERVICE_ENV[service];
  app.route({
    method: route.method,
    url: route.path,
    config: { role: route.role, routeKey: `${route.method} ${route.path}` },
    schema: { summary: route.summary, description: `Proxied to the ${label}. Role: ${route.role}.`, tags: [service] },
    handler(request, reply) {
      if (upstream === undefined) {
        throw new AppError('UPSTREAM_UNAVAILABLE', `The ${label} is not configured at this edge (${variable})`, { details: { service } });
      }
      const path = upstreamPathOf(route, request.params as Record<string, string>);
      if (path.includes('/../') || path.endsWith('/..')) throw new AppError('VALIDATION_ERROR', 'Invalid path');
      return reply.from(`${upstream.url}${path}`, {
        rewriteRequestHeaders: (req, headers) => upstreamHeaders(req, headers, upstream),
        rewriteHeaders: (headers) => downstreamHeaders(headers),
        queryString: queryOf,
        onError,
      });
    },
  });
}
