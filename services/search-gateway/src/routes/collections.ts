import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { authorize, isAllowed } from '@fountain/kit';
import { authorizeCollection } from '../domain/scope.ts';
import type { CollectionSchema, CollectionUpdate } from '@fountain/search';
import type { GatewayDeps } from '../deps.ts';
import { Name, NameParams } from './common.ts';

const Field = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    // No minLength: the Go client sends `"type": ""` with `drop: true`, and Typesense accepts it; an
    // empty type on a field that isn't dropped is refused by the engine, naming the field.
    type: Type.Optional(Type.String()),
    facet: Type.Optional(Type.Boolean()),
    optional: Type.Optional(Type.Boolean()),
    index: Type.Optional(Type.Boolean()),
    sort: Type.Optional(Type.Boolean()),
    infix: Type.Optional(Type.Boolean()),
    locale: Type.Optional(Type.String()),
    drop: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);

const CreateBody = Type.Object(
  {
    name: Name,
    fields: Type.Array(Field, { minItems: 1 }),
    default_sorting_field: Type.Optional(Type.String()),
    token_separators: Type.Optional(Type.Array(Type.String())),
    symbols_to_index: Type.Optional(Type.Array(Type.String())),
    enable_nested_fields: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true, description: 'A Typesense collection schema' },
);

/** Typesense's collection API: create, retrieve, list, PATCH (add/drop fields) and delete. */
export const collectionRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const tags = ['Collections'];

  app.post('/collections', { schema: { summary: 'Create a collection', tags, body: CreateBody, } }, async (req, reply) => {
    authorize(req, 'collections:create', req.body.name);
    const info = await deps.backend.createCollection(req.body as CollectionSchema);
    deps.schemas.invalidate();
    return reply.code(201).send(info);
  });

  app.get('/collections', { schema: { summary: 'List the collections this key may see', tags } }, async (req) => {
    authorize(req, 'collections:list');
    const all = await deps.backend.listCollections();
    const key = req.apiKey;
    return key ? all.filter((c) => isAllowed(key, 'collections:get', c.name)) : all;
  });

  app.get('/collections/:name', { schema: { summary: 'Retrieve a collection', tags, params: NameParams } }, async (req) => {
    const name = await authorizeCollection(req, deps, 'collections:get', req.params.name);
    return deps.backend.getCollection(name);
  });

  app.patch(
    '/collections/:name',
    {
      schema: {
        summary: 'Add fields, or drop them with {name, drop: true}',
        description: 'Synchronous in Typesense 0.24.1 and not idempotent: diff against the live schema first.',
        tags,
        params: NameParams,
        body: Type.Object({ fields: Type.Array(Field, { minItems: 1 }) }, { additionalProperties: false }),
      },
    },
    async (req) => {
      const name = await authorizeCollection(req, deps, 'collections:update', req.params.name);
      const result = await deps.backend.updateCollection(name, req.body as CollectionUpdate);
      deps.schemas.invalidate();
      return result;
    },
  );

  app.delete('/collections/:name', { schema: { summary: 'Delete a collection', tags, params: NameParams } }, async (req) => {
    const name = await authorizeCollection(req, deps, 'collections:delete', req.params.name);
    const info = await deps.backend.deleteCollection(name);
    deps.schemas.invalidate();
    return info;
  });
};
