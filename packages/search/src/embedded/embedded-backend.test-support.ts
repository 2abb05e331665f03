/** Test support for the embedded backend's tests: a fresh data dir per test, and a small movie collection. */
import type { CollectionSchema, SearchBackend } from '../backend.ts';
import { createEmbeddedBackend } from './index.ts';

export { tempDir } from '@fountain/testing';

/** The movie schema used across the tests. */
export const MOVIES: CollectionSchema = {
  name: 'movies',
  fields: [
    { name: 'title', type: 'string' },
    { name: 'genre', type: 'string', facet: true },
    { name: 'tags', type: 'string[]', facet: true, optional: true },
    { name: 'year', type: 'int32', facet: true },
    { name: 'rating', type: 'float', optional: true },
    { name: 'available', type: 'bool', optional: true },
  ],
  default_sorting_field: 'year',
};

/** A backend with the movie collection and five documents. */
export async function moviesBackend(dir: string): Promise<SearchBackend> {
  const b = await createEmbeddedBackend({ dataDir: dir });
  await b.createCollection(MOVIES);
  const docs = [
    { id: '1', title: 'The Fantasy Kingdom', genre: 'fantasy', tags: ['magic', 'epic'], year: 2001, rating: 4.5, available: true },
    { id: '2', title: 'Fantasy land of dreams', genre: 'fantasy', tags: ['dreams'], year: 1999, rating: 3.5, available: false },
    { id: '3', title: 'Dark drama', genre: 'drama', tags: ['dark', 'epic'], year: 2010, rating: 4.0 },
    { id: '4', title: 'Another drama', genre: 'drama', tags: [], year: 2010, rating: 2.0 },
    { id: '5', title: 'Café society', genre: 'Drama Comedy', tags: ['Paris'], year: 2010, rating: 2.0 },
  ];
  await b.importDocuments('movies', docs.map((d) => JSON.stringify(d)).join('\n'), { action: 'create' });
  return b;
}
