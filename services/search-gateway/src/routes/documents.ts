import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '@fountain/kit';
import type { WriteAction } from '@fountain/search';
import { safeFilter } from '../domain/filters.ts';
import { authorizeCollection } from '../domain/scope.ts';
import type { GatewayDeps } from '../deps.ts';
import { Ignored, Name, JsonObject, checkDocumentId } from './common.ts';

const CollectionParams = Type.Object({ collection: Name });
const DocParams = Type.Object({ collection: Name, id: Name });
const Action = Type.Union([Type.Literal('create'), Type.Literal('upsert'), Type.Literal('update'), Type.Literal('emplace')]);
const DirtyValues = Type.Union([
  Type.Literal('coerce_or_reject'),
  Type.Literal('coerce_or_drop'),
  Type.Literal('drop'),
  Type.Literal('reject'),
]);

/**
 * The scope each write action needs. `emplace` may create as well as update, so it needs the same
 * right as `upsert`.
 */
const ACTION_SCOPE: Record<WriteAction, string> = {
  create: 'documents:create',
  upsert: 'documents:upsert',
  update: 'documents:update',
  emplace: 'documents:upsert',
};

const TEXT = 'text/plain; charset=utf-8';

/** Typesense's document API: single writes, get, delete, delete by filter, JSONL import and export. */
export const documentRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const tags = ['Documents'];

  app.post(
    '/collections/:collection/documents',
    {
      schema: {
        summary: 'Index one document (action=create by default, or upsert, update, emplace)',
        tags,
        params: CollectionParams,
        querystring: Type.Object({ action: Type.Optional(Action), dirty_values: Type.Optional(DirtyValues) }, { additionalProperties: false }),
        body: JsonObject,
        response: { 201: JsonObject },
      },
    },
    async (req, reply) => {
      const action = req.query.action ?? 'create';
      const collection = await authorizeCollection(req, deps, ACTION_SCOPE[action], req.params.collection);
      checkDocumentId(req.body.id, 'id', action === 'update');
      const doc = await deps.backend.writeDocument(collection, req.body, action);
      // Typesense 0.24.1 answers 201 for every action of this route (checked by the conformance suite).
      return reply.code(201).send(doc);
    },
  );

  app.post(
    '/collections/:collection/documents/import',
    {
      bodyLimit: deps.maxImportBytes,
      // JSONL whatever the Content-Type: curl's documented import sends form-urlencoded, the Go client
      // application/octet-stream, the Python client none at all.
      config: { bodyAs: 'text' },
      schema: {
        summary: 'Import JSONL; one result line per document, in order',
        description: 'Always 200 when the request itself is valid, as in Typesense: per-document failures are result lines.',
        tags,
        params: CollectionParams,
        querystring: Type.Object(
          {
            action: Type.Optional(Action),
            dirty_values: Type.Optional(DirtyValues),
            batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
            return_id: Type.Optional(Type.Boolean()),
            return_doc: Type.Optional(Type.Boolean()),
            throwOnFail: Ignored('an option of the npm client (v2, v3), which sends it along in the query string'),
            remote_embedding_batch_size: Ignored('embeddings are not part of the supported subset; the Go client can send it'),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const action = req.query.action ?? 'create';
      const collection = await authorizeCollection(req, deps, 'documents:import', req.params.collection);
      if (action !== 'create') await authorizeCollection(req, deps, ACTION_SCOPE[action], req.params.collection);
      const body = req.body as string;
      if (body === undefined || body.trim() === '') throw new AppError('VALIDATION_ERROR', 'The request body was empty.');
      const { throwOnFail: _clientOnly, remote_embedding_batch_size: _embeddings, ...options } = req.query;
      const out = await deps.backend.importDocuments(collection, body, options);
      return reply.type(TEXT).send(out);
    },
  );

  app.get(
    '/collections/:collection/documents/export',
    {
      schema: {
        summary: 'Export every document as JSONL',
        tags,
        params: CollectionParams,
        querystring: Type.Object(
          {
            filter_by: Type.Optional(Type.String()),
            include_fields: Type.Optional(Type.String()),
            exclude_fields: Type.Optional(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req, reply) => {
      const collection = await authorizeCollection(req, deps, 'documents:export', req.params.collection);
      const { filter_by, ...rest } = req.query;
      const filter = filter_by ? await safeFilter(deps, collection, filter_by) : undefined;
      const out = await deps.backend.exportDocuments(collection, { ...rest, ...(filter ? { filter_by: filter } : {}) });
      return reply.type(TEXT).send(out);
    },
  );

  app.delete(
    '/collections/:collection/documents',
    {
      schema: {
        summary: 'Delete the documents matching filter_by',
        tags,
        params: CollectionParams,
        querystring: Type.Object(
          {
            filter_by: Type.String({ minLength: 1 }),
            batch_size: Type.Optional(Type.Integer({ minimum: 1 })),
            ignore_not_found: Ignored('a delete by filter that matches nothing answers {"num_deleted":0} anyway'),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const collection = await authorizeCollection(req, deps, 'documents:delete', req.params.collection);
      const filter = await safeFilter(deps, collection, req.query.filter_by);
      return deps.backend.deleteByFilter(collection, filter);
    },
  );

  app.get('/collections/:collection/documents/:id', { schema: { summary: 'Retrieve a document', tags, params: DocParams } }, async (req) => {
    const collection = await authorizeCollection(req, deps, 'documents:get', req.params.collection);
    return deps.backend.getDocument(collection, req.params.id);
  });

  app.patch(
    '/collections/:collection/documents/:id',
    {
      schema: {
        summary: 'Update fields of a document',
        tags,
        params: DocParams,
        querystring: Type.Object(
          { dirty_values: Type.Optional(DirtyValues), action: Ignored('a PATCH is always an update of an existing document') },
          { additionalProperties: false },
        ),
        body: JsonObject,
      },
    },
    async (req) => {
      const collection = await authorizeCollection(req, deps, 'documents:update', req.params.collection);
      if (req.body.id !== undefined && req.body.id !== req.params.id) {
        throw new AppError('VALIDATION_ERROR', 'The id in the body does not match the id in the path.', { details: { field: 'id' } });
      }
      return deps.backend.writeDocument(collection, { ...req.body, id: req.params.id }, 'update');
    },
  );

  app.delete(
    '/collections/:collection/documents/:id',
    {
      schema: {
        summary: 'Delete a document',
        tags,
        params: DocParams,
        querystring: Type.Object(
          { ignore_not_found: Ignored('deleting a missing document is still a 404 NOT_FOUND, as in 0.24.1') },
          { additionalProperties: false },
        ),
      },
    },
    async (req) => {
      const collection = await authorizeCollection(req, deps, 'documents:delete', req.params.collection);
      return deps.backend.deleteDocument(collection, req.params.id);
    },
  );
};
