import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, ErrorEnvelopeSchema } from '@fountain/kit';
import { validateSearchParams } from '@fountain/search';
import { withEmbedded } from '../domain/scoped-keys.ts';
import type { GatewayDeps } from '../deps.ts';
import { authorizeCollection } from '../domain/scope.ts';
import { Name, checkDocumentId } from './common.ts';

const SyncBody = Type.Object(
  {
    operation: Type.String({ description: 'create, update or delete (case-insensitive)', examples: ['create'] }),
    document: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
        description: 'The document for create/update; its `id` is a string',
      }),
    ),
    document_id: Type.Optional(Type.Union([Name, Type.Null()], { description: "The id for delete; not '.' or '..'" })),
    collection: Type.Optional({ ...Name, description: 'Defaults to TYPESENSE_COLLECTION_NAME' }),
  },
  { additionalProperties: false },
);

const SearchBody = Type.Object(
  {
    q: Type.String({ description: 'Search query string; `*` matches everything' }),
    query_by: Type.String({ minLength: 1, description: 'Comma-separated fields to query' }),
    filter_by: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Typesense filter, validated' })),
    sort_by: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Up to 3 `field:asc|desc`' })),
    max_hits: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 250 }), Type.Null()], {
        description: 'Hits to return (default 100); sent to the engine as per_page',
      }),
    ),
    collection: Type.Optional({ ...Name, description: 'Defaults to TYPESENSE_COLLECTION_NAME' }),
  },
  { additionalProperties: false },
);

const SearchResponse = Type.Object({
  hits: Type.Array(
    Type.Object({
      document: Type.Record(Type.String(), Type.Unknown()),
      text_match: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
  found: Type.Integer(),
  out_of: Type.Integer(),
});

const OPERATIONS = ['create', 'update', 'delete'] as const;

/**
 * The seeds' two endpoints (seeds/000 section 3.a.viii), with their request and response shapes.
 * Fixed from the seeds: engine errors map to the envelope with a 4xx/503 instead of a bare 500.
 */
export const seedRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.post(
    '/documents/sync',
    {
      schema: {
        summary: 'Synchronize a document (create and update upsert it; delete removes it)',
        tags: ['Seed'],
        body: SyncBody,
        response: {
          200: Type.Object({ message: Type.String() }),
          400: ErrorEnvelopeSchema,
          401: ErrorEnvelopeSchema,
          403: ErrorEnvelopeSchema,
          404: ErrorEnvelopeSchema,
        },
      },
    },
    async (req) => {
      const { document, document_id } = req.body;
      const named = req.body.collection ?? deps.defaultCollection;
      const operation = req.body.operation.toLowerCase();
      if (!(OPERATIONS as readonly string[]).includes(operation)) {
        throw new AppError('VALIDATION_ERROR', 'Invalid operation. Supported operations: create, update, delete.', {
          details: { field: 'operation', allowed: OPERATIONS },
        });
      }
      if (operation === 'delete') {
        if (!document_id) {
          throw new AppError('VALIDATION_ERROR', "Missing 'document_id' for delete operation.", {
            details: { field: 'document_id' },
          });
        }
        const collection = await authorizeCollection(req, deps, 'documents:delete', named);
        await deps.backend.deleteDocument(collection, document_id);
      } else {
        if (!document) {
          throw new AppError('VALIDATION_ERROR', "Missing 'document' field for create/update operation.", {
            details: { field: 'document' },
          });
        }
        if (typeof document.id !== 'string' || document.id === '') {
          // Typesense 0.24.1 accepts only string ids; a number would be rejected deep in the engine.
          throw new AppError('VALIDATION_ERROR', "document.id must be a non-empty string (e.g. \"1_1\")", {
            details: { field: 'document.id' },
          });
        }
        checkDocumentId(document.id, 'document.id');
        const collection = await authorizeCollection(req, deps, 'documents:upsert', named);
        await deps.backend.writeDocument(collection, document, 'upsert');
      }
      return { message: `Document ${operation} operation successful.` };
    },
  );

  app.post(
    '/search',
    {
      schema: {
        summary: 'Search a collection (the seeds\' request and response shape)',
        tags: ['Seed'],
        body: SearchBody,
        response: { 200: SearchResponse, 400: ErrorEnvelopeSchema, 401: ErrorEnvelopeSchema, 403: ErrorEnvelopeSchema, 404: ErrorEnvelopeSchema },
      },
    },
    async (req) => {
      const collection = await authorizeCollection(req, deps, 'documents:search', req.body.collection ?? deps.defaultCollection);
      const schema = await deps.schemas.get(collection);
      const { params } = validateSearchParams(
        withEmbedded(req, {
          q: req.body.q,
          query_by: req.body.query_by,
          ...(req.body.filter_by ? { filter_by: req.body.filter_by } : {}),
          ...(req.body.sort_by ? { sort_by: req.body.sort_by } : {}),
          // Typesense 0.24.1 ignores max_hits; a caller asking for 10 hits expects 10, so it becomes per_page.
          per_page: req.body.max_hits ?? 100,
        }),
        schema,
      );
      const result = await deps.backend.search(collection, params);
      return {
        hits: result.hits.map((h) => ({ document: h.document, text_match: typeof h.text_match === 'number' ? h.text_match : null })),
        found: result.found,
        out_of: result.out_of,
      };
    },
  );
};
