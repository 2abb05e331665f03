import type { SearchBackend } from '@fountain/search';
import { ErrorEnvelopeSchema, type App } from '@fountain/kit';
import { Type } from 'typebox';

/** Options of {@link searchRoute}. */
export interface SearchRouteOptions {
  /** Where the search goes: sync's backend (the gateway with the service's key). */
  backend: SearchBackend;
  /** The collection (alias) holding the service's documents. */
  collection: string;
  /** The default `query_by`, and the fields to name in the docs. */
  queryBy: string;
  summary: string;
  tag?: string;
  path?: string;
}

/**
 * `GET /search` over the service's own collection, through the Search Gateway (which validates
 * filter_by, facet_by and sort_by against the schema). Answers the engine's result as Typesense
 * shapes it.
 *
 * @example
 *   searchRoute(app, { backend: sync.backend, collection: 'characters', queryBy: 'name,description', summary: 'Search characters' });
 */
export function searchRoute(app: App, o: SearchRouteOptions): void {
  const SearchQuery = Type.Object(
    {
      q: Type.String({ default: '*', maxLength: 2000, description: 'Search text; `*` matches everything' }),
      query_by: Type.String({ default: o.queryBy, minLength: 1, maxLength: 500, description: `Fields to search, comma separated (default ${o.queryBy})` }),
      filter_by: Type.Optional(Type.String({ maxLength: 4000, description: 'Typesense filter, e.g. `field:=value && n:>1`' })),
      facet_by: Type.Optional(Type.String({ maxLength: 500 })),
      sort_by: Type.Optional(Type.String({ maxLength: 500 })),
      page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 250 })),
    },
    { additionalProperties: false },
  );
  const Result = Type.Object(
    {
      found: Type.Integer(),
      out_of: Type.Integer(),
      page: Type.Integer(),
      hits: Type.Array(Type.Object({ document: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: true })),
      facet_counts: Type.Array(Type.Unknown()),
    },
    { additionalProperties: true },
  );
  const e = ErrorEnvelopeSchema;
  app.get(
    o.path ?? '/search',
    { schema: { summary: o.summary, tags: [o.tag ?? 'Search'], querystring: SearchQuery, response: { 200: Result, 400: e, 401: e, 404: e, 502: e, 503: e } } },
    async (request) => o.backend.search(o.collection, { ...(request.query as Record<string, string | number | undefined>) }),
  );
}
