import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { authorize, isAllowed } from '@fountain/kit';
import { authorizeCollection } from '../domain/scope.ts';
import type { GatewayDeps } from '../deps.ts';
import { Name, NameParams } from './common.ts';

/** Typesense's alias API. An alias is a name for a collection, so both sides need the key's scope. */
export const aliasRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  const tags = ['Aliases'];

  app.put(
    '/aliases/:name',
    {
      schema: {
        summary: 'Create or repoint an alias',
        tags,
        params: NameParams,
        body: Type.Object({ collection_name: Name }, { additionalProperties: false }),
      },
    },
    async (req) => {
      // Checking the target too stops a key scoped to `sequence_*` from aliasing `sequence_x` to `story_y`.
      authorize(req, 'aliases:create', req.params.name);
      await authorizeCollection(req, deps, 'documents:search', req.body.collection_name);
      const alias = await deps.backend.upsertAlias(req.params.name, req.body.collection_name);
      deps.schemas.invalidate();
      return alias;
    },
  );

  app.get('/aliases', { schema: { summary: 'List the aliases this key may see', tags } }, async (req) => {
    authorize(req, 'aliases:list');
    const aliases = await deps.backend.listAliases();
    const key = req.apiKey;
    // An alias is listed only when the key may see both it and the collection behind it.
    return {
      aliases: key
        ? aliases.filter((a) => isAllowed(key, 'aliases:get', a.name) && isAllowed(key, 'aliases:get', a.collection_name))
        : aliases,
    };
  });

  app.get('/aliases/:name', { schema: { summary: 'Retrieve an alias', tags, params: NameParams } }, async (req) => {
    authorize(req, 'aliases:get', req.params.name);
    return deps.backend.getAlias(req.params.name);
  });

  app.delete('/aliases/:name', { schema: { summary: 'Delete an alias', tags, params: NameParams } }, async (req) => {
    authorize(req, 'aliases:delete', req.params.name);
    const alias = await deps.backend.deleteAlias(req.params.name);
    deps.schemas.invalidate();
    return alias;
  });
};
