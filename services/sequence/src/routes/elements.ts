import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError, ErrorEnvelopeSchema } from '@fountain/kit';
import type { SequenceDeps } from '../deps.ts';
import { Element, ElementParams, Paging, TypeParams, Version, VersionParams } from './schemas.ts';

const errors = { 400: ErrorEnvelopeSchema, 401: ErrorEnvelopeSchema, 404: ErrorEnvelopeSchema, 500: ErrorEnvelopeSchema, 503: ErrorEnvelopeSchema };
const Page = { page: Type.Integer(), perPage: Type.Integer(), found: Type.Integer() };

/** Reads from SQLite, the source of truth: elements, their order, their versions. */
export const elementRoutes: FastifyPluginAsyncTypebox<{ deps: SequenceDeps }> = async (app, { deps }) => {
  // The read connection: these never wait for a writer (docs/sequence.md, "A long lock").
  const store = deps.store.reads;

  app.get(
    '/elements/:elementType',
    {
      schema: {
        summary: 'List the elements of a type in sequence order',
        tags: ['Elements'],
        params: TypeParams,
        querystring: Paging,
        response: { 200: Type.Object({ elements: Type.Array(Element), ...Page }), ...errors },
      },
    },
    async (request) => {
      const { page, per_page } = request.query;
      const r = store.listElements(request.params.elementType, per_page, (page - 1) * per_page);
      return { elements: r.rows, page, perPage: per_page, found: r.total };
    },
  );

  app.get(
    '/elements/:elementType/:elementId',
    {
      schema: { summary: 'Get one element', tags: ['Elements'], params: ElementParams, response: { 200: Element, ...errors } },
    },
    async (request) => {
      const { elementType, elementId } = request.params;
      const e = store.getElement(elementType, elementId);
      if (!e) throw new AppError('NOT_FOUND', `Unknown ${elementType} element ${elementId}`, { details: { elementType, elementId } });
      return e;
    },
  );

  app.get(
    '/elements/:elementType/:elementId/versions',
    {
      schema: {
        summary: 'List the versions of an element, oldest first',
        tags: ['Elements'],
        params: ElementParams,
        querystring: Paging,
        response: { 200: Type.Object({ versions: Type.Array(Version), ...Page }), ...errors },
      },
    },
    async (request) => {
      const { elementType, elementId } = request.params;
      const { page, per_page } = request.query;
      const r = store.listVersions(elementType, elementId, per_page, (page - 1) * per_page);
      if (r.total === 0) throw new AppError('NOT_FOUND', `Unknown ${elementType} element ${elementId}`, { details: { elementType, elementId } });
      return { versions: r.rows, page, perPage: per_page, found: r.total };
    },
  );

  app.get(
    '/elements/:elementType/:elementId/versions/:versionNumber',
    {
      schema: { summary: 'Get version N of an element', tags: ['Elements'], params: VersionParams, response: { 200: Version, ...errors } },
    },
    async (request) => {
      const { elementType, elementId, versionNumber } = request.params;
      const v = store.getVersion(elementType, elementId, versionNumber);
      if (!v) {
        throw new AppError('NOT_FOUND', `No version ${versionNumber} of ${elementType} element ${elementId}`, {
          details: { elementType, elementId, versionNumber },
        });
      }
      return v;
    },
  );
};
