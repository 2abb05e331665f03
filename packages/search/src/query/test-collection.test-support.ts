import type { CollectionInfo } from '../backend.ts';

/** A collection covering every field kind the query checks care about; shared by the query tests. */
export const testCollection: CollectionInfo = {
  name: 'books',
  num_documents: 0,
  created_at: 0,
  fields: [
    { name: 'title', type: 'string' },
    { name: 'slug', type: 'string', sort: true },
    { name: 'genre', type: 'string', facet: true },
    { name: 'tags', type: 'string[]', facet: true },
    { name: 'year', type: 'int32', facet: true },
    { name: 'views', type: 'int64' },
    { name: 'rating', type: 'float' },
    { name: 'scores', type: 'float[]' },
    { name: 'ints', type: 'int32[]' },
    { name: 'unsortable', type: 'int32', sort: false },
    { name: 'published', type: 'bool' },
    { name: 'flags', type: 'bool[]' },
    { name: 'meta', type: 'object' },
    { name: 'secret', type: 'string', index: false, optional: true },
    { name: 'author.name', type: 'string' },
    { name: '.*', type: 'auto' },
    { name: 's_.*', type: 'string*' },
  ],
};
