import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ErrorEnvelopeSchema } from '@fountain/kit';
import type { SequenceDeps } from '../deps.ts';

const SearchQuery = Type.Object(
  {
    q: Type.String({ default: '*', maxLength: 2000, description: 'Search text; `*` matches everything' }),
    query_by: Type.String({ default: 'comment', minLength: 1, maxLength: 500, description: 'Fields to search, comma separated (comment, data, element_type, ...)' }),
    filter_by: Type.Optional(Type.String({ maxLength: 4000, description: 'Typesense filter, e.g. `element_type:=script && version_number:>1`' })),
    facet_by: Type.Optional(Type.String({ maxLength: 500, description: 'e.g. `element_type`' })),
    sort_by: Type.Optional(Type.String({ maxLength: 500, description: 'e.g. `sequence_number:asc`' })),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
    per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: 250 })),
  },
  { additionalProperties: false },
);

/**
 * GET /search: one document per element version, from this service's collection, through the Search
 * Gateway (which validates filter_by, facet_by and sort_by against the schema). Answers the engine's
 * result as Typesense shapes it.
 */
export const searchRoutes: FastifyPluginAsyncTypebox<{ deps: SequenceDeps }> = async (app, { deps }) => {
  app.get(
    '/search',
    {
      schema: {
        summary: 'Search element versions',
        tags: ['Search'],
        querystring: SearchQuery,
        response: {
          200: Type.Object(
            {
              found: Type.Integer(),
              out_of: Type.Integer(),
              page: Type.Integer(),
              hits: Type.Array(Type.Object({ document: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: true })),
              facet_counts: Type.Array(Type.Unknown()),
            },
            { additionalProperties: true },
          ),
          400: ErrorEnvelopeSchema,
          401: ErrorEnvelopeSchema,
          404: ErrorEnvelopeSchema,
          502: ErrorEnvelopeSchema,
          503: ErrorEnvelopeSchema,
        },
      },
    },
    async (request) => deps.search.search(deps.collection, { ...request.query }),
  );
};
