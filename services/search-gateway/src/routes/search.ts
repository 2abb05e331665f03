import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, isWellFormed } from '@fountain/kit';
import { SUPPORTED_SEARCH_PARAMS, validateSearchParams, type SearchParams, type SearchResult } from '@fountain/search';
import type { GatewayDeps } from '../deps.ts';
import { authorizeCollection } from '../domain/scope.ts';
import { checkMultiSearchLimit, withEmbedded } from '../domain/scoped-keys.ts';
import type { FastifyRequest } from 'fastify';
import { Name } from './common.ts';

/** Typesense's default `limit_multi_searches`. */
const MAX_SEARCHES = 50;

type Params = SearchParams & { collection?: string };

/**
 * The search parameters, one by one, so the OpenAPI document lists each (a bare record can't be
 * generated from). Values stay strings, as Typesense reads them; any other name is still let through
 * the schema, to be refused by validateSearchParams with a 400 naming it.
 */
const searchParamProps = Object.fromEntries(
  SUPPORTED_SEARCH_PARAMS.map((name) => [name, Type.Optional(Type.String({ description: `Typesense's \`${name}\`` }))]),
);
const SearchQuery = Type.Object({ ...searchParamProps, q: Type.String({ description: 'Search query; `*` matches everything' }) }, { additionalProperties: true });
const MultiSearchQuery = Type.Object(
  { ...searchParamProps, collection: Type.Optional({ ...Name, description: 'The collection of every search that names none' }) },
  { additionalProperties: true },
);
/** In a multi_search body, values are JSON: numbers and booleans as well as strings. */
const bodyParamProps = Object.fromEntries(
  SUPPORTED_SEARCH_PARAMS.map((name) => [name, Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()], { description: `Typesense's \`${name}\`` }))]),
);
const OneSearch = Type.Object(
  { ...bodyParamProps, collection: Type.Optional({ ...Name, description: 'Defaults to the query string\'s `collection`' }) },
  { additionalProperties: true },
);

/** Typesense's search API: `GET .../documents/search` and `POST /multi_search`. */
export const searchRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const tags = ['Search'];

  /** Validates one search against the live schema; the filter is replaced by its safe rendering. */
  /** A scoped search key's embedded parameters are applied first, so the merged filter is validated too. */
  const prepare = async (req: FastifyRequest, collection: string, params: SearchParams): Promise<SearchParams> =>
    validateSearchParams(withEmbedded(req, params), await deps.schemas.get(collection)).params;

  app.get(
    '/collections/:collection/documents/search',
    {
      schema: {
        summary: 'Search a collection (Typesense parameters, validated before they reach the engine)',
        tags,
        params: Type.Object({ collection: Name }),
        querystring: SearchQuery,
      },
    },
    async (req, reply) => {
      const collection = await authorizeCollection(req, deps, 'documents:search', req.params.collection);
      const params = await prepare(req, collection, req.query);
      // The typesense backend's answer goes out as the bytes Typesense sent (see raw-search.ts).
      if (deps.backend.searchRaw) {
        return reply.type('application/json; charset=utf-8').send(await deps.backend.searchRaw(collection, params));
      }
      return deps.backend.search(collection, params);
    },
  );

  app.post(
    '/multi_search',
    {
      schema: {
        summary: 'Several searches in one request; each fails or succeeds on its own',
        tags,
        querystring: MultiSearchQuery,
        body: Type.Object({ searches: Type.Array(OneSearch, { maxItems: MAX_SEARCHES }) }, { additionalProperties: true }),
      },
    },
    async (req) => {
      const common = req.query as Params;
      const searches = req.body.searches as Params[];
      checkMultiSearchLimit(req, searches.length);
      // Scope is checked for every search before any runs: one forbidden collection fails the request.
      const names = searches.map((s, i) => {
        const name = s.collection ?? common.collection;
        const field = `searches[${i}].collection`;
        if (typeof name !== 'string' || name === '') {
          throw new AppError('VALIDATION_ERROR', `searches[${i}]: \`collection\` is required (in the search or the query string).`, {
            details: { field },
          });
        }
        if (name === '.' || name === '..' || name.includes('/') || !isWellFormed(name)) {
          throw new AppError('VALIDATION_ERROR', `${field}: not a collection name (no '/', not '.' or '..').`, { details: { field } });
        }
        return name;
      });
      // Every name is checked, alias and target, before any search runs.
      const collections: string[] = [];
      for (const name of names) collections.push(await authorizeCollection(req, deps, 'documents:search', name));
      const results: Array<SearchResult | { code: number; error: string }> = await Promise.all(
        searches.map(async (s, i) => {
          const collection = collections[i] as string;
          const { collection: _c, ...own } = s;
          const { collection: _cc, ...shared } = common;
          try {
            const params = await prepare(req, collection, { ...shared, ...own });
            return await deps.backend.search(collection, params);
          } catch (err) {
            // Like Typesense: a bad search is reported in its own slot, the others still answer.
            if (err instanceof AppError && err.status < 500) return { code: err.status, error: err.message };
            throw err;
          }
        }),
      );
      return { results };
    },
  );
};
