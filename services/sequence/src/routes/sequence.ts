import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DOCUMENT_LIMITS, ErrorEnvelopeSchema, assertJsonWithinLimits } from '@fountain/kit';
import { allocateSequence, createVersion, reorderByOrder, reorderElements } from '../domain/sequence.ts';
import type { SequenceDeps } from '../deps.ts';
import {
  OrderRequest,
  OrderResponse,
  ReorderRequest,
  ReorderResponse,
  SequenceRequest,
  SequenceResponse,
  TypesenseErrorResponse,
  VersionRequest,
  VersionResponse,
  WriteHeaders,
} from './schemas.ts';

const errors = {
  400: ErrorEnvelopeSchema,
  401: ErrorEnvelopeSchema,
  404: ErrorEnvelopeSchema,
  409: ErrorEnvelopeSchema,
  500: ErrorEnvelopeSchema,
  503: ErrorEnvelopeSchema,
  502: TypesenseErrorResponse,
};

/** The seeds' write endpoints (seeds/000 section 3.b.x, plus seeds/002's reorder form). */
export const sequenceRoutes: FastifyPluginAsyncTypebox<{ deps: SequenceDeps }> = async (app, { deps }) => {
  app.post(
    '/sequence',
    {
      schema: {
        summary: 'Generate a sequence number',
        description:
          'A new element gets the next sequence number of its type (201) and its version 1. An element that ' +
          'already has one gets that same number back (200) and nothing is written.',
        operationId: 'generateSequenceNumber',
        tags: ['Sequence Management'],
        headers: WriteHeaders,
        body: SequenceRequest,
        response: { 200: SequenceResponse, 201: SequenceResponse, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const r = await allocateSequence(deps.store, b);
      const comment = r.created
        ? `${b.comment} (Automatically generated for ${b.elementType} ${b.elementId}.)`
        : `${b.comment} (${b.elementType} ${b.elementId} already has sequence number ${r.sequenceNumber}; unchanged.)`;
      return reply.code(r.created ? 201 : 200).send({ sequenceNumber: r.sequenceNumber, comment });
    },
  );

  app.put(
    '/sequence/reorder',
    {
      schema: {
        summary: 'Reorder elements',
        description:
          'Gives each named element its newSequence, atomically. Duplicate ids or targets: 400; unknown elements: ' +
          '404 naming them; a target held by an element not named: 409. Only elements whose position changes are written.',
        operationId: 'reorderElements',
        tags: ['Sequence Management'],
        headers: WriteHeaders,
        body: ReorderRequest,
        response: { 200: ReorderResponse, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      await reorderElements(deps.store, b);
      return reply.code(200).send({
        updatedElements: b.elements.map((e) => ({ elementId: e.elementId, newSequence: e.newSequence })),
        comment: `${b.comment} (Reordered ${b.elementType} elements.)`,
      });
    },
  );

  app.post(
    '/sequence/reorder',
    {
      schema: {
        summary: 'Reorder elements (seeds/002 form)',
        description:
          'newOrder lists the elements of elementIds in their new order; they take the positions they hold now, ' +
          'ascending, in that order. Without elementType the ids must all belong to one type. Answers the elements ' +
          'whose position changed.',
        operationId: 'reorderElementsByOrder',
        tags: ['Sequence Management'],
        headers: WriteHeaders,
        body: OrderRequest,
        response: { 200: OrderResponse, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const r = await reorderByOrder(deps.store, b);
      return reply.code(200).send({
        reorderedElements: r.moves.map((m) => ({ elementId: m.elementId, oldSequenceNumber: m.from, newSequenceNumber: m.to })),
        comment: b.comment ? `${b.comment} (Reordered ${r.elementType} elements.)` : 'Elements reordered successfully.',
      });
    },
  );

  app.post(
    '/sequence/version',
    {
      schema: {
        summary: 'Create a new version',
        description: 'Appends version max + 1 of an existing element, with newVersionData. An unknown element is a 404.',
        operationId: 'createVersion',
        tags: ['Version Management'],
        headers: WriteHeaders,
        body: VersionRequest,
        response: { 201: VersionResponse, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      // The version's data becomes part of its search document: the same bounds as any document.
      assertJsonWithinLimits(b.newVersionData, DOCUMENT_LIMITS, 'newVersionData');
      const r = await createVersion(deps.store, b);
      return reply.code(201).send({ versionNumber: r.versionNumber, comment: `${b.comment} (Created new version for ${b.elementType} ${b.elementId}.)` });
    },
  );
};
