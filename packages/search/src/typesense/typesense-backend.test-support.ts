/** Test support for the typesense backend's tests: a small books collection and an AppError check. */
import { expect } from 'vitest';
import { AppError } from '@fountain/kit';
import type { CollectionSchema, SearchBackend } from '../backend.ts';

let seq = 0;
/** A collection name no other test uses. */
export const unique = (prefix: string): string => `${prefix}_${Date.now().toString(36)}_${++seq}`;

export const booksSchema = (name: string): CollectionSchema => ({
  name,
  fields: [
    { name: 'title', type: 'string' },
    { name: 'genre', type: 'string', facet: true },
    { name: 'year', type: 'int32' },
  ],
  default_sorting_field: 'year',
});

export const BOOKS = [
  { id: '1', title: 'Dune', genre: 'scifi', year: 1965 },
  { id: '2', title: 'Dune Messiah', genre: 'scifi', year: 1969 },
  { id: '3', title: 'Emma', genre: 'classic', year: 1815 },
];
export const toJsonl = (docs: object[]): string => docs.map((d) => JSON.stringify(d)).join('\n');

export async function expectAppError(promise: Promise<unknown>, code: string): Promise<AppError> {
  const err = await promise.then(
    () => {
      throw new Error(`expected AppError ${code}, got success`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  return err as AppError;
}

/** A new books collection holding BOOKS; answers its name. */
export async function seededBooks(backend: SearchBackend): Promise<string> {
  const name = unique('books');
  await backend.createCollection(booksSchema(name));
  await backend.importDocuments(name, toJsonl(BOOKS), { action: 'upsert' });
  return name;
}
