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

/** One book as a JSONL line, with fields patched (undefined drops one). */
export const full = (i: number, patch: Record<string, unknown> = {}): string => JSON.stringify({ ...(BOOKS[i] as Document), ...patch });
/** A line that is not JSON. */
export const BAD_JSON = '{"id": "bad", "title": ';
/** One import per action: the lines (each with a per-line outcome) and which of them succeed. */
export const IMPORTS: Record<'create' | 'upsert' | 'update' | 'emplace', { lines: string[]; expected: boolean[] }> = {
  create: {
    lines: [
      full(2), // new: ok
      BAD_JSON,
      full(3, { title: undefined }), // missing required field
      full(4, { year: 'nineteen' }), // wrong type
      full(0), // duplicate id: b01 exists
      full(2, { title: 'again' }), // duplicate id within the batch
      full(5), // ok after the failures
    ],
    expected: [true, false, false, false, false, false, true],
  },
  upsert: {
    lines: [full(0, { title: 'Replaced' }), full(5), BAD_JSON, full(6, { title: undefined }), full(7, { rating: 'high' }), full(5, { year: 2002 })],
    expected: [true, true, false, false, false, true],
  },
  update: {
    lines: [
      JSON.stringify({ id: 'b01', rating: 1 }),
      JSON.stringify({ id: 'b99', rating: 1 }), // update of a missing id
      JSON.stringify({ id: 'b02', year: 'x' }),
      BAD_JSON,
      JSON.stringify({ id: 'b02', tags: ['updated'] }),
    ],
    expected: [true, false, false, false, true],
  },
  emplace: {
    lines: [
      JSON.stringify({ id: 'b01', rating: 2 }), // existing: partial update
      full(8), // new: full create
      JSON.stringify({ id: 'b02', in_print: 'maybe' }),
      BAD_JSON,
      // A NEW document that is incomplete is a deliberate difference: see 'emplace of a new, incomplete document'.
    ],
    expected: [true, true, false, false],
  },
};

/** A book with its fields typed, for the predicates. */
export type Book = (typeof BOOKS)[number] & { rank: number; year: number; rating: number; tags: string[]; genre: string; author: string; in_print: boolean };

/** Filters with the predicate each must agree with over the fixture. */
export const FILTERS: Array<[string, (b: Book) => boolean]> = [
  ['genre:fantasy', (b) => b.genre === 'fantasy'],
  ['genre:=scifi', (b) => b.genre === 'scifi'],
  ['genre:!=scifi', (b) => b.genre !== 'scifi'],
  ['author:=[Herbert, Pratchett]', (b) => ['Herbert', 'Pratchett'].includes(b.author)],
  ['author:=[`Le Guin`, Tolkien]', (b) => ['Le Guin', 'Tolkien'].includes(b.author)],
  ['year:[1960..1970]', (b) => b.year >= 1960 && b.year <= 1970],
  ['year:<1960', (b) => b.year < 1960],
  ['year:<=1965', (b) => b.year <= 1965],
  ['year:>1987', (b) => b.year > 1987],
  ['year:>=1987', (b) => b.year >= 1987],
  ['year:=1987', (b) => b.year === 1987],
  ['year:[1937, 1999]', (b) => [1937, 1999].includes(b.year)],
  ['rating:>4.4', (b) => b.rating > 4.4],
  ['rating:[4.0..4.3]', (b) => b.rating >= 4.0 && b.rating <= 4.3],
  ['genre:fantasy && year:>1980', (b) => b.genre === 'fantasy' && b.year > 1980],
  ['genre:literary || year:<1950', (b) => b.genre === 'literary' || b.year < 1950],
  ['(genre:fantasy || genre:literary) && in_print:true', (b) => (b.genre === 'fantasy' || b.genre === 'literary') && b.in_print],
  ['genre:scifi && (year:<1960 || rating:>=4.2)', (b) => b.genre === 'scifi' && (b.year < 1960 || b.rating >= 4.2)],
  ['tags:=magic', (b) => b.tags.includes('magic')],
  ['tags:[space, humor]', (b) => b.tags.includes('space') || b.tags.includes('humor')],
  ['tags:!=magic', (b) => !b.tags.includes('magic')],
  ['in_print:false', (b) => !b.in_print],
  ['in_print:=true', (b) => b.in_print],
  ['in_print:!=true', (b) => !b.in_print],
];

/** Sorts with the comparator each must agree with. */
export const SORTS: Array<[string, (a: Book, b: Book) => number]> = [
  ['rank:desc', (a, b) => b.rank - a.rank],
  ['year:desc,rank:asc', (a, b) => b.year - a.year || a.rank - b.rank],
  ['rating:asc,rank:desc', (a, b) => a.rating - b.rating || b.rank - a.rank],
  ['year:asc,rating:desc,rank:asc', (a, b) => a.year - b.year || b.rating - a.rating || a.rank - b.rank],
];

/** Text queries: label, q, and the set of ids each finds (order is engine-specific). */
export const TEXT_QUERIES: Array<[string, string, string[]]> = [
  ['typo', 'fantsy', ['b01', 'b04']],
  ['prefix', 'fant', ['b01', 'b04']],
  ['accented', 'café', ['b05']],
  ['accent-insensitive', 'cafe', ['b05']],
  ['CJK token', '日本', ['b06']],
  ['case-insensitive', 'NEUROMANCER', ['b03']],
  ['empty results', 'zzqqxxjj', []],
];
