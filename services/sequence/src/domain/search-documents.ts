import type { TableDeclaration } from '@fountain/sync';

/**
 * The one sync declaration: `element_versions` -> the service's collection, one document per element
 * version. The id is `<element_type>:<element_id>:<version_number>` (sync's encoding of the three id
 * columns), unique across types, unlike the seeds' `{element_id}_{version}`. Fields follow seeds/001
 * (element_type, element_id, sequence_number, version_number as int32, comment, created_at and
 * updated_at as facets, default sorting by sequence_number) plus `service_name` and the version's
 * `data` as searchable JSON text.
 *
 * @example
 *   await startSync({ database, tables: [searchDeclaration('sequence_elements', 'central_sequence_service')], ... });
 */
export function searchDeclaration(collection: string, serviceName: string): TableDeclaration {
  return {
    table: 'element_versions',
    collection,
    idColumns: ['element_type', 'element_id', 'version_number'],
    fields: {
      element_type: { facet: true },
      element_id: { type: 'int32' },
      sequence_number: { type: 'int32' },
      version_number: { type: 'int32' },
      created_at: { facet: true },
      updated_at: { facet: true },
    },
    extraFields: [{ name: 'service_name', type: 'string', facet: true }],
    transform: (doc) => ({ ...doc, service_name: serviceName }),
    defaultSortingField: 'sequence_number',
  };
}
