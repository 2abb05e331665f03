import type { CollectionSchema } from '@fountain/search';

/** The default collection's schema, exactly as seeds/000 section 3.a.iv creates it. */
export function seedCollectionSchema(name: string): CollectionSchema {
  return {
    name,
    fields: [
      { name: 'element_type', type: 'string', facet: true },
      { name: 'element_id', type: 'int32' },
      { name: 'sequence_number', type: 'int32' },
      { name: 'version_number', type: 'int32' },
      { name: 'comment', type: 'string' },
      { name: 'service_name', type: 'string', facet: true },
    ],
    default_sorting_field: 'sequence_number',
  };
}
