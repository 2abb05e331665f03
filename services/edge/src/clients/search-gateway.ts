/**
 * The edge's own calls to the Search Gateway, for `GET /v1/search`: the collections it may search
 * (with their aliases) and one `multi_search`. Every call carries the edge's gateway key, the
 * request id and the caller; the gateway's errorCode is kept.
 */
import { AppError, codeForStatus, type ErrorCode } from '@fountain/kit';
import { Agent, request as undiciRequest } from 'undici';
import { headerSafe, rolesHeader, upstreamFailure } from '../proxy.ts';
import { ROLES_HEADER, SUBJECT_HEADER, type Upstream } from '../services.ts';

/** A field as the gateway lists it. */
export interface GatewayField {
  name: string;
  type: string;
  index?: boolean;
  optional?: boolean;
}

/** What a search across collections is run against: a name callers see (an alias when there is one) and its text fields. */
export interface SearchTarget {
  name: string;
  queryBy: string[];
}

/** One result of a multi_search: a Typesense search answer, or an error in its slot. */
export type MultiSearchResult = { hits?: unknown[]; found?: number; out_of?: number; search_time_ms?: number } & { code?: number; error?: string };

/** Who a call is made for: the request id and the verified caller, passed on for the gateway's logs. */
export interface CallContext {
  requestId: string;
  subject?: string;
  roles?: string[];
}

/** The calls `GET /v1/search` makes. */
export interface SearchGatewayClient {
  /** The collections the edge's key may search, named by alias where one points at them. */
  targets(ctx: CallContext): Promise<SearchTarget[]>;
  multiSearch(ctx: CallContext, searches: Array<Record<string, unknown>>): Promise<MultiSearchResult[]>;
  close(): Promise<void>;
}

const TEXT_TYPES = new Set(['string', 'string[]']);

/** The searchable text fields of a collection (the ones `q` can match). */
export function textFields(fields: readonly GatewayField[]): string[] {
  return fields.filter((f) => TEXT_TYPES.has(f.type) && f.index !== false && !f.name.includes('*')).map((f) => f.name);
}

/**
 * Search targets from the gateway's collections and aliases: an aliased collection is shown under its
 * alias (sync's blue-green collections are versioned behind one), the rest under their own name.
 */
export function searchTargets(
  collections: ReadonlyArray<{ name: string; fields: GatewayField[] }>,
  aliases: ReadonlyArray<{ name: string; collection_name: string }>,
): SearchTarget[] {
  const aliasOf = new Map<string, string>();
  for (const a of aliases) if (!aliasOf.has(a.collection_name)) aliasOf.set(a.collection_name, a.name);
  const out: SearchTarget[] = [];
  for (const c of collections) {
    const queryBy = textFields(c.fields);
    if (queryBy.length > 0) out.push({ name: aliasOf.get(c.name) ?? c.name, queryBy });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The real client, over undici.
 *
 * @example
 *   const gw = createSearchGatewayClient({ upstream, timeoutMs: 10_000 });
 *   const targets = await gw.targets(request.id);
 */
export function createSearchGatewayClient(opts: { upstream: Upstream; timeoutMs: number; connectTimeoutMs: number }): SearchGatewayClient {
  const agent = new Agent({ headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs, connectTimeout: opts.connectTimeoutMs });
  const call = async <T>(ctx: CallContext, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    let res;
    try {
      res = await undiciRequest(`${opts.upstream.url}${path}`, {
        method,
        dispatcher: agent,
        headers: {
          ...(opts.upstream.auth.kind === 'api-key' && { 'x-api-key': opts.upstream.auth.apiKey }),
          'x-request-id': ctx.requestId,
          ...(ctx.subject !== undefined && { [SUBJECT_HEADER]: headerSafe(ctx.subject), [ROLES_HEADER]: rolesHeader(ctx.roles ?? []) }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    } catch (err) {
      const code = upstreamFailure(err);
      throw new AppError(code, code === 'UPSTREAM_TIMEOUT' ? 'The Search Gateway did not answer in time' : 'The Search Gateway is unavailable', {
        cause: err,
        details: { service: 'search' },
      });
    }
    const text = await res.body.text();
    if (res.statusCode >= 400) {
      // Keep the gateway's own errorCode and message when it sent the envelope.
      let envelope: { errorCode?: string; message?: string } = {};
      try {
        envelope = JSON.parse(text) as typeof envelope;
      } catch {
        // not JSON: use the status
      }
      const code = (envelope.errorCode ?? codeForStatus(res.statusCode)) as ErrorCode;
      throw new AppError(code, envelope.message ?? `Search Gateway answered ${res.statusCode}`, { details: { service: 'search' } });
    }
    return JSON.parse(text) as T;
  };
  return {
    async targets(ctx) {
      const [collections, aliases] = await Promise.all([
        call<Array<{ name: string; fields: GatewayField[] }>>(ctx, 'GET', '/collections'),
        call<{ aliases: Array<{ name: string; collection_name: string }> }>(ctx, 'GET', '/aliases'),
      ]);
      return searchTargets(collections, aliases.aliases);
    },
    async multiSearch(ctx, searches) {
      const body = await call<{ results: MultiSearchResult[] }>(ctx, 'POST', '/multi_search', { searches });
      return body.results;
    },
    close: () => agent.close(),
  };
}
