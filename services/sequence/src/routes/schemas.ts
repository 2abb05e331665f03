/** The request and response schemas: the seeds' shapes (seeds/000 section 3.b.v, seeds/002 section 5). */
import { Type } from 'typebox';
import { ELEMENT_TYPES, INT32_MAX } from '../domain/sequence.ts';

export const ElementType = Type.Union(
  ELEMENT_TYPES.map((t) => Type.Literal(t)),
  { description: 'Type of the element', examples: ['script'] },
);
export const ElementId = Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'Unique identifier of the element (per type); int32, as in the index', examples: [1] });
const Position = Type.Integer({ minimum: 1, maximum: INT32_MAX, description: 'A sequence number (int32 in the index)' });
const Comment = Type.String({ maxLength: 10_000, description: 'Contextual explanation (the seeds\' GPT comment)' });

export const SequenceRequest = Type.Object(
  { elementType: ElementType, elementId: ElementId, comment: Comment },
  { additionalProperties: false },
);
export const SequenceResponse = Type.Object({
  sequenceNumber: Type.Integer({ minimum: 1, description: 'The element\'s sequence number' }),
  comment: Type.String(),
});

export const ReorderRequest = Type.Object(
  {
    elementType: ElementType,
    elements: Type.Array(Type.Object({ elementId: ElementId, newSequence: Position }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 10_000,
    }),
    comment: Comment,
  },
  { additionalProperties: false },
);
export const ReorderResponse = Type.Object({
  updatedElements: Type.Array(Type.Object({ elementId: Type.Integer(), newSequence: Type.Integer() })),
  comment: Type.String(),
});

export const OrderRequest = Type.Object(
  {
    elementIds: Type.Array(ElementId, { minItems: 1, maxItems: 10_000, description: 'The elements to reorder' }),
    newOrder: Type.Array(ElementId, { minItems: 1, maxItems: 10_000, description: 'The same elements, in their new order' }),
    elementType: Type.Optional(ElementType),
    comment: Type.Optional(Comment),
  },
  { additionalProperties: false },
);
export const OrderResponse = Type.Object({
  reorderedElements: Type.Array(
    Type.Object({ elementId: Type.Integer(), oldSequenceNumber: Type.Integer(), newSequenceNumber: Type.Integer() }),
  ),
  comment: Type.String(),
});

export const VersionRequest = Type.Object(
  {
    elementType: ElementType,
    elementId: ElementId,
    newVersionData: Type.Record(Type.String(), Type.Unknown(), { description: 'Data of the new version (any JSON object)' }),
    comment: Comment,
  },
  { additionalProperties: false },
);
export const VersionResponse = Type.Object({
  versionNumber: Type.Integer({ minimum: 1, description: 'The new version number' }),
  comment: Type.String(),
});

/** The seeds' TypesenseErrorResponse: a write that committed but was not searchable within the bound. */
export const TypesenseErrorResponse = Type.Object(
  {
    errorCode: Type.Literal('TYPESENSE_SYNC_ERROR'),
    retryAttempt: Type.Integer({ minimum: 0, description: 'The sync relay\'s current retry attempt' }),
    message: Type.String(),
    details: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'TypesenseErrorResponse' },
);

export const Element = Type.Object({
  elementType: Type.String(),
  elementId: Type.Integer(),
  sequenceNumber: Type.Integer(),
  currentVersion: Type.Integer(),
  comment: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const Version = Type.Object({
  elementType: Type.String(),
  elementId: Type.Integer(),
  versionNumber: Type.Integer(),
  sequenceNumber: Type.Integer(),
  data: Type.Unknown({ description: 'newVersionData as given; null for version 1, made by POST /sequence' }),
  comment: Type.String(),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export const Paging = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
    per_page: Type.Integer({ minimum: 1, maximum: 250, default: 50 }),
  },
  { additionalProperties: false },
);
export const ElementParams = Type.Object({ elementType: ElementType, elementId: ElementId });
export const TypeParams = Type.Object({ elementType: ElementType });
export const VersionParams = Type.Object({
  elementType: ElementType,
  elementId: ElementId,
  versionNumber: Type.Integer({ minimum: 1, maximum: INT32_MAX }),
});

/** The `Prefer` header a write may carry (RFC 7240). */
export const WriteHeaders = Type.Object({
  prefer: Type.Optional(Type.String({ description: '`wait-for-index`: answer once the change is searchable (502 past INDEX_WAIT_TIMEOUT_MS)' })),
});
