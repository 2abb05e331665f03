import type { Document } from '@fountain/search';
import type { CollectionFieldSchema } from 'typesense/lib/Typesense/Collection.js';

/**
 * The conformance suite's data: a small library of books whose fields exercise every filter, sort and
 * facet the gateway supports (strings, numbers, floats, bools, string arrays, an optional field).
 * `rank` is unique, sortable and used as the last sort key whenever a case compares hit order, so the
 * order is fully determined by the data and never by an engine's tie-breaking.
 */
export function booksSchema(name: string): { name: string; fields: CollectionFieldSchema[] } {
  return {
    name,
    fields: [
      { name: 'title', type: 'string' },
      { name: 'author', type: 'string', facet: true },
      { name: 'genre', type: 'string', facet: true },
      { name: 'year', type: 'int32', facet: true },
      { name: 'rating', type: 'float' },
      { name: 'rank', type: 'int32' },
      { name: 'tags', type: 'string[]', facet: true },
      { name: 'in_print', type: 'bool', facet: true },
      { name: 'blurb', type: 'string', optional: true },
    ],
  };
}

/** Twelve books; titles and blurbs carry the typo, prefix and unicode probes. */
export const BOOKS: Document[] = [
  { id: 'b01', title: 'The Fantasy of Dragons', author: 'Le Guin', genre: 'fantasy', year: 1968, rating: 4.5, rank: 1, tags: ['magic', 'sea'], in_print: true, blurb: 'A wizard at sea' },
  { id: 'b02', title: 'Dune', author: 'Herbert', genre: 'scifi', year: 1965, rating: 4.7, rank: 2, tags: ['desert', 'politics'], in_print: true },
  { id: 'b03', title: 'Neuromancer', author: 'Gibson', genre: 'scifi', year: 1984, rating: 4.1, rank: 3, tags: ['cyber'], in_print: false },
  { id: 'b04', title: 'Fantasy Island Tales', author: 'Pratchett', genre: 'fantasy', year: 1983, rating: 4.0, rank: 4, tags: ['magic', 'humor'], in_print: true },
  { id: 'b05', title: 'Café Stories', author: 'Zoë Müller', genre: 'literary', year: 2001, rating: 3.9, rank: 5, tags: ['paris'], in_print: true, blurb: 'Stories told in a café' },
  { id: 'b06', title: '東京 日本 物語', author: 'Tanaka', genre: 'literary', year: 1999, rating: 4.2, rank: 6, tags: ['japan'], in_print: false },
  { id: 'b07', title: 'Rocket Dreams 🚀', author: 'Herbert', genre: 'scifi', year: 1965, rating: 3.5, rank: 7, tags: ['space'], in_print: true },
  { id: 'b08', title: 'The Hobbit', author: 'Tolkien', genre: 'fantasy', year: 1937, rating: 4.8, rank: 8, tags: ['magic', 'dragons'], in_print: true },
  { id: 'b09', title: 'Foundation', author: 'Asimov', genre: 'scifi', year: 1951, rating: 4.3, rank: 9, tags: ['space', 'politics'], in_print: true },
  { id: 'b10', title: 'Mort', author: 'Pratchett', genre: 'fantasy', year: 1987, rating: 4.4, rank: 10, tags: ['humor', 'death'], in_print: false },
  { id: 'b11', title: 'Hyperion', author: 'Simmons', genre: 'scifi', year: 1989, rating: 4.2, rank: 11, tags: ['space'], in_print: true },
  { id: 'b12', title: 'Beloved', author: 'Morrison', genre: 'literary', year: 1987, rating: 4.6, rank: 12, tags: [], in_print: true },
];

/** The books as one JSONL import body. */
export function booksJsonl(): string {
  return BOOKS.map((b) => JSON.stringify(b)).join('\n');
}
