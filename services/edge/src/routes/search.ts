/**
 * `GET /v1/search?q=...`: one search across every service's collection, as ONE `multi_search` through
 * the Search Gateway, answered grouped by collection. Each collection is searched on its own text
 * fields (string and string[]), read from the gateway and cached briefly; a collection that fails
 * answers its error in its own group while the others still answer, as multi_search does.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError, ErrorEnvelopeSchema } from '@fountain/kit';
import { Type } from 'typebox';
import type { SearchGatewayClient, SearchTarget } from '../clients/search-gateway.ts';
import { ROUTES } from './route-table.ts';

/** Options of {@link searchRoutes}. */
export interface SearchRouteOptions {
  gateway: SearchGatewayClient;
  /** Pinned collections (SEARCH_COLLECTIONS); null: every one the edge's key sees. */
  collections: string[] | null;
  /** How long the targets are cached, ms. */
  ttlMs: number;
}

const Group = Type.Object({
  collection: Type.String(),
  found: Type.Integer(),
  hits: Type.Array(Type.Unknown()),
  error: Type.Optional(Type.Object({ code: Type.Integer(), message: Type.String() })),
});

const row = ROUTES.find((r) => r.service === 'edge' && r.path === '/v1/search');

/** The edge's own search route. */
export const searchRoutes: FastifyPluginAsyncTypebox<SearchRouteOptions> = async (app, opts) => {
  if (row === undefined) throw new Error('GET /v1/search is missing from the route table');
  let cached: { at: number; targets: Promise<SearchTarget[]> } | undefined;
  const targets = (requestId: string): Promise<SearchTarget[]> => {
    if (cached === undefined || Date.now() - cached.at > opts.ttlMs) {
      const fresh = opts.gateway.targets({ requestId });
      cached = { at: Date.now(), targets: fresh };
      // A failed lookup is not kept: the next request asks again.
      fresh.catch(() => {
        if (cached?.targets === fresh) cached = undefined;
      });
    }
    return cached.targets;
  };

  app.get(
    '/v1/search',
    {
      config: { role: row.role, routeKey: 'GET /v1/search' },
      schema: {
        summary: row.summary,
        description: `One multi_search through the Search Gateway over every collection (or \`collections\`), on each one's text fields. Role: ${row.role}.`,
        tags: ['search'],
        querystring: Type.Object(
          {
            q: Type.String({ minLength: 1, maxLength: 4000, description: 'The text to look for; `*` matches everything.' }),
            collections: Type.Optional(Type.String({ minLength: 1, description: 'Comma-separated collections to search (default: all).' })),
            per_page: Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'Hits per collection.' }),
            page: Type.Integer({ minimum: 1, maximum: 1000, default: 1 }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ q: Type.String(), found: Type.Integer(), groups: Type.Array(Group) }),
          400: ErrorEnvelopeSchema,
          401: ErrorEnvelopeSchema,
          403: ErrorEnvelopeSchema,
          429: ErrorEnvelopeSchema,
          502: ErrorEnvelopeSchema,
          504: ErrorEnvelopeSchema,
        },
      },
    },
    async (request) => {
      const { q, per_page, page } = request.query;
      let chosen = await targets(request.id);
      if (opts.collections !== null) chosen = chosen.filter((t) => opts.collections?.includes(t.name));
      if (request.query.collections !== undefined) {
        const wanted = request.query.collections.split(',').map((s) => s.trim()).filter((s) => s !== '');
        const unknown = wanted.filter((w) => !chosen.some((t) => t.name === w));
        if (unknown.length > 0) {
          throw new AppError('VALIDATION_ERROR', `querystring/collections: unknown collection(s) ${unknown.map((u) => `'${u}'`).join(', ')}`, {
            details: { unknown, known: chosen.map((t) => t.name) },
          });
        }
        chosen = chosen.filter((t) => wanted.includes(t.name));
      }
      if (chosen.length === 0) return { q, found: 0, groups: [] };
      const principal = request.principal;
      const results = await opts.gateway.multiSearch(
        { requestId: request.id, ...(principal && { subject: principal.subject, roles: principal.roles }) },
        chosen.map((t) => ({ collection: t.name, q, query_by: t.queryBy.join(','), per_page, page })),
      );
      const groups = chosen.map((t, i) => {
        const r = results[i] ?? { code: 502, error: 'no result' };
        if (r.error !== undefined) return { collection: t.name, found: 0, hits: [], error: { code: r.code ?? 500, message: r.error } };
        return { collection: t.name, found: r.found ?? 0, hits: r.hits ?? [] };
      });
      return { q, found: groups.reduce((n, g) => n + g.found, 0), groups };
    },
  );
};
