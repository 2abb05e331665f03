import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBackend, type CollectionInfo, type SearchBackend } from '@fountain/search';
import { diffSchema, ensureCollection, readState, applyCompatibleChange } from './collections.ts';
import { countingBackend, tempDb } from './evolution.test-support.ts';
import { deriveTable } from './schema-derive.ts';

describe('ensureCollection (embedded backend)', () => {
  let t: ReturnType<typeof tempDb>;
  let searchDir: string;
  let backend: SearchBackend;
  beforeEach(async () => {
    t = tempDb();
    t.db.exec('CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL, year INTEGER)');
    searchDir = mkdtempSync(join(tmpdir(), 'sync-search-'));
    backend = await createEmbeddedBackend({ dataDir: searchDir });
  });
  afterEach(async () => {
    await backend.close();
    t.cleanup();
    rmSync(searchDir, { recursive: true, force: true });
  });

  it('creates <name>_v1 behind the alias, records it, and is idempotent', async () => {
    const derived = deriveTable(t.db, { table: 'books', collection: 'books' });
    const c = countingBackend(backend);
    expect(await ensureCollection(c.backend, t.db, derived)).toEqual({ alias: 'books', physical: 'books_v1' });
    expect((await backend.getAlias('books')).collection_name).toBe('books_v1');
    expect((await backend.getCollection('books_v1')).fields.map((f) => f.name)).toEqual(['title', 'year']);
    expect(readState(t.db, 'collection:books')).toEqual({ physical: 'books_v1', version: 1 });
    expect(c.calls.get('createCollection')).toBe(1);

    c.reset();
    expect(await ensureCollection(c.backend, t.db, derived)).toEqual({ alias: 'books', physical: 'books_v1' });
    expect(c.calls.get('createCollection')).toBeUndefined();
    expect((await backend.listCollections()).map((x) => x.name)).toEqual(['books_v1']);
  });

  it('re-creates a physical collection that vanished behind its alias', async () => {
    const derived = deriveTable(t.db, { table: 'books', collection: 'books' });
    await ensureCollection(backend, t.db, derived);
    await backend.deleteCollection('books_v1');
    expect(await ensureCollection(backend, t.db, derived)).toEqual({ alias: 'books', physical: 'books_v1' });
    expect((await backend.getCollection('books')).name).toBe('books_v1');
  });

  it('refuses a plain collection that holds the alias name, saying what to do', async () => {
    await backend.createCollection({ name: 'books', fields: [{ name: 'title', type: 'string' }] });
    const derived = deriveTable(t.db, { table: 'books', collection: 'books' });
    await expect(ensureCollection(backend, t.db, derived)).rejects.toThrow(/'books' is a plain collection.*alias to 'books_v1'/);
  });
});

describe('diffSchema', () => {
  const live = (fields: CollectionInfo['fields'], num_documents = 5): CollectionInfo => ({
    name: 'x_v1',
    fields,
    num_documents,
    created_at: 0,
    default_sorting_field: '',
  });

  it('finds added and dropped fields, and nothing when equal after defaults', () => {
    // As Typesense shows a live field: every default filled in (numbers sortable by default).
    const l = live([
      { name: 'a', type: 'string', facet: false, index: true, optional: false, sort: false, infix: false, locale: '' },
      { name: 'n', type: 'int64', facet: false, index: true, optional: false, sort: true, infix: false, locale: '' },
    ]);
    expect(diffSchema(l, [{ name: 'a', type: 'string' }, { name: 'n', type: 'int64' }])).toEqual({ add: [], drop: [], incompatible: [] });
    const d = diffSchema(l, [{ name: 'a', type: 'string' }, { name: 'b', type: 'float', optional: true }]);
    expect(d).toEqual({ add: [{ name: 'b', type: 'float', optional: true }], drop: ['n'], incompatible: [] });
  });

  it('calls type and attribute changes incompatible, with reasons', () => {
    const l = live([
      { name: 'a', type: 'string' },
      { name: 'n', type: 'int64' },
    ]);
    const d = diffSchema(l, [{ name: 'a', type: 'string', facet: true }, { name: 'n', type: 'string' }]);
    expect(d.incompatible).toEqual(["field 'a': facet false -> true", "field 'n': type int64 -> string", "field 'n': sort true -> false"]);
  });

  it('calls a required field added to a non-empty collection incompatible, but not to an empty one', () => {
    expect(diffSchema(live([], 3), [{ name: 'r', type: 'string' }]).incompatible).toHaveLength(1);
    expect(diffSchema(live([], 0), [{ name: 'r', type: 'string' }]).incompatible).toEqual([]);
  });
});

describe('applyCompatibleChange (embedded backend)', () => {
  it('sends one PATCH, and none when the live collection already matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-search-'));
    const backend = await createEmbeddedBackend({ dataDir: dir });
    try {
      await backend.createCollection({ name: 'c_v1', fields: [{ name: 'a', type: 'string' }, { name: 'old', type: 'string' }] });
      const c = countingBackend(backend);
      const diff = { add: [{ name: 'b', type: 'int64' as const, optional: true }], drop: ['old'], incompatible: [] };
      expect(await applyCompatibleChange(c.backend, 'c_v1', diff)).toBe(true);
      expect(await applyCompatibleChange(c.backend, 'c_v1', diff)).toBe(false);
      expect(c.calls.get('updateCollection')).toBe(1);
      expect((await backend.getCollection('c_v1')).fields.map((f) => f.name)).toEqual(['a', 'b']);
    } finally {
      await backend.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
