import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SearchBackend, SearchResult } from '../backend.ts';
import { createEmbeddedBackend } from './index.ts';
import { MOVIES, moviesBackend, tempDir } from './embedded-backend.test-support.ts';

let tmp: ReturnType<typeof tempDir>;
let b: SearchBackend;

beforeEach(async () => {
  tmp = tempDir();
  b = await moviesBackend(tmp.dir);
});
afterEach(async () => {
  await b.close();
  tmp.cleanup();
});

const ids = (r: SearchResult): string[] => r.hits.map((h) => h.document.id as string);

describe('collections', () => {
  it('creates with Typesense defaults, gets, lists newest first, deletes', async () => {
    const info = await b.getCollection('movies');
    expect(info.num_documents).toBe(5);
    expect(info.fields[0]).toEqual({ name: 'title', type: 'string', facet: false, optional: false, index: true, sort: false, infix: false, locale: '' });
    expect(info.fields.find((f) => f.name === 'year')?.sort).toBe(true);
    expect(typeof info.created_at).toBe('number');
    await b.createCollection({ name: 'later', fields: [{ name: 't', type: 'string' }] });
    expect((await b.listCollections()).map((c) => c.name)).toEqual(['later', 'movies']);
    expect((await b.deleteCollection('later')).name).toBe('later');
    await expect(b.getCollection('later')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([
    [{ name: 'c', fields: [{ name: 't', type: 'strin' }] }, 'Field `t` has an invalid data type `strin`, see docs for supported data types.'],
    [{ name: 'c', fields: [{ name: 't', type: 'string' }, { name: 't', type: 'int32' }] }, 'There are duplicate field names in the schema.'],
    [{ name: 'c', fields: [{ name: 't', type: 'string' }], default_sorting_field: 't' }, 'Default sorting field `t` is not a sortable type.'],
    [{ name: 'c', fields: [{ name: 't', type: 'string' }], default_sorting_field: 'x' }, 'Default sorting field is defined as `x` but is not found in the schema.'],
    [{ name: 'c', fields: [{ name: 'y', type: 'int32', optional: true }], default_sorting_field: 'y' }, 'Default sorting field `y` cannot be an optional field.'],
    [{ name: '', fields: [] }, 'Parameter `name` must be a non-empty string.'],
    [{ name: 'c' }, 'Parameter `fields` is required.'],
    [{ name: 'c', fields: [{ name: 'o', type: 'object' }] }, 'Field type `object` is not supported by the embedded search backend'],
  ])('rejects a bad schema %#', async (schema, message) => {
    await expect(b.createCollection(schema as never)).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message });
  });

  it('rejects a duplicate collection with 409', async () => {
    await expect(b.createCollection(MOVIES)).rejects.toMatchObject({ code: 'CONFLICT', message: 'A collection with name `movies` already exists.' });
  });

  it('PATCH adds and drops fields, with Typesense errors', async () => {
    await expect(b.updateCollection('movies', { fields: [{ name: 'title', type: 'string' }] })).rejects.toThrow(
      'Field `title` is already part of the schema: To change this field, drop it first before adding it back to the schema.',
    );
    await expect(b.updateCollection('movies', { fields: [{ name: 'nope', drop: true } as never] })).rejects.toThrow(
      'Field `nope` is not part of collection schema.',
    );
    await expect(b.updateCollection('movies', { fields: [{ name: 'extra', type: 'int32' }] })).rejects.toThrow(/not found in the documents already present/);
    const r = await b.updateCollection('movies', { fields: [{ name: 'director', type: 'string', optional: true }, { name: 'tags', drop: true } as never] });
    expect(r.fields.map((f) => f.name)).toEqual(['tags', 'director']);
    const names = (await b.getCollection('movies')).fields.map((f) => f.name);
    expect(names).toContain('director');
    expect(names).not.toContain('tags');
    await b.writeDocument('movies', { id: '1', director: 'Ann Lee' }, 'update');
    expect(ids(await b.search('movies', { q: 'lee', query_by: 'director' }))).toEqual(['1']);
    await expect(b.search('movies', { q: 'epic', query_by: 'tags' })).rejects.toThrow('Could not find a field named `tags` in the schema.');
  });

  it('resolves aliases for every collection-taking method', async () => {
    expect(await b.upsertAlias('films', 'movies')).toEqual({ name: 'films', collection_name: 'movies' });
    expect((await b.getCollection('films')).name).toBe('movies');
    expect((await b.getDocument('films', '1')).title).toBe('The Fantasy Kingdom');
    expect((await b.search('films', { q: '*' })).found).toBe(5);
    expect(await b.listAliases()).toEqual([{ name: 'films', collection_name: 'movies' }]);
    await b.upsertAlias('films', 'other');
    expect((await b.getAlias('films')).collection_name).toBe('other');
    expect(await b.deleteAlias('films')).toEqual({ name: 'films', collection_name: 'other' });
    await expect(b.getAlias('films')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.deleteAlias('films')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('documents', () => {
  it('create, get, conflict, generated sequential ids, extra fields stored', async () => {
    const created = await b.writeDocument('movies', { title: 'New', genre: 'x', year: 1, extra: { a: 1 } }, 'create');
    // The sequence is at 5, but id "5" is taken by an explicit id: the generator skips it.
    expect(created.id).toBe('6');
    expect(await b.getDocument('movies', '6')).toMatchObject({ extra: { a: 1 } });
    const next = await b.writeDocument('movies', { title: 'New', genre: 'x', year: 1 }, 'create');
    expect(next.id).toBe('7');
    await expect(b.writeDocument('movies', { id: '1', title: 'x', genre: 'x', year: 1 }, 'create')).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'A document with id 1 already exists.',
    });
  });

  it.each([
    [{ id: 5, title: 't', genre: 'g', year: 1 }, "Document's `id` field should be a string."],
    [{ id: '', title: 't', genre: 'g', year: 1 }, 'The `id` should not be empty.'],
    [{ genre: 'g', year: 1 }, 'Field `title` has been declared in the schema, but is not found in the document.'],
    [{ title: 't', genre: 'g', year: '2005' }, 'Field `year` must be an int32.'],
    [{ title: 't', genre: 'g', year: 3_000_000_000 }, 'Field `year` must be an int32.'],
    [{ title: 't', genre: 'g', year: 20.5 }, 'Field `year` must be an int32.'],
    [{ title: 5, genre: 'g', year: 1 }, 'Field `title` must be a string.'],
    [{ title: null, genre: 'g', year: 1 }, 'Field `title` must be a string.'],
    [{ title: 't', genre: 'g', year: 1, tags: 'abc' }, 'Field `tags` must be an array.'],
    [{ title: 't', genre: 'g', year: 1, tags: [1] }, 'Field `tags` must be an array of string.'],
    [{ title: 't', genre: 'g', year: 1, rating: 'x' }, 'Field `rating` must be a float.'],
    [{ title: 't', genre: 'g', year: 1, available: 1 }, 'Field `available` must be a bool.'],
  ])('rejects a bad document %#', async (doc, message) => {
    await expect(b.writeDocument('movies', doc, 'create')).rejects.toMatchObject({ code: 'VALIDATION_ERROR', message });
  });

  it('upsert replaces, update merges (404 when missing), emplace merges or creates', async () => {
    expect(await b.writeDocument('movies', { id: '1', title: 'Replaced', genre: 'g', year: 1 }, 'upsert')).toEqual({ id: '1', title: 'Replaced', genre: 'g', year: 1 });
    expect(await b.getDocument('movies', '1')).toEqual({ id: '1', title: 'Replaced', genre: 'g', year: 1 });
    await expect(b.writeDocument('movies', { id: '1', year: 1 }, 'upsert')).rejects.toThrow(/Field `title` has been declared/);
    expect(await b.writeDocument('movies', { id: '2', rating: 1.5 }, 'update')).toMatchObject({ title: 'Fantasy land of dreams', rating: 1.5 });
    await expect(b.writeDocument('movies', { id: 'nope', rating: 1 }, 'update')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: 'Could not find a document with id: nope',
    });
    await expect(b.writeDocument('movies', { id: '2', year: 'bad' }, 'update')).rejects.toThrow('Field `year` must be an int32.');
    expect(await b.writeDocument('movies', { id: '3', year: 2020 }, 'emplace')).toMatchObject({ title: 'Dark drama', year: 2020 });
    expect(await b.writeDocument('movies', { id: 'e', title: 'Emplaced', genre: 'g', year: 1 }, 'emplace')).toMatchObject({ id: 'e' });
    // A replaced or merged document keeps its place in insertion order (Typesense keeps its seq_id).
    const exported = (await b.exportDocuments('movies', {})).split('\n').map((l) => JSON.parse(l).id);
    expect(exported).toEqual(['1', '2', '3', '4', '5', 'e']);
  });

  it('deletes by id and by filter', async () => {
    expect((await b.deleteDocument('movies', '1')).id).toBe('1');
    await expect(b.deleteDocument('movies', '1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await b.deleteByFilter('movies', 'genre:drama')).toEqual({ num_deleted: 3 });
    expect((await b.getCollection('movies')).num_documents).toBe(1);
    await expect(b.deleteByFilter('movies', 'nope:1')).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
  });

  it('imports JSONL with one Typesense result line per line, in order', async () => {
    const lines = [
      '{"id":"i1","title":"a","genre":"g","year":1}',
      'not json',
      '{"id":"i1","title":"a","genre":"g","year":1}',
      '{"id":"i2","genre":"g","year":1}',
      '{"id":"i3","title":"a","genre":"g","year":"x"}',
      '',
      '[1,2]',
      '{"id":"i4","title":"a","genre":"g","year":2}',
    ];
    const out = (await b.importDocuments('movies', lines.join('\n'), { action: 'create' })).split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(7);
    expect(out[0]).toEqual({ success: true });
    expect(out[1]).toMatchObject({ success: false, code: 400, document: 'not json' });
    expect(out[1].error).toMatch(/^Bad JSON/);
    expect(out[2]).toEqual({ success: false, code: 409, document: lines[2], error: 'A document with id i1 already exists.' });
    expect(out[3]).toEqual({ success: false, code: 400, document: lines[3], error: 'Field `title` has been declared in the schema, but is not found in the document.' });
    expect(out[4]).toMatchObject({ code: 400, error: 'Field `year` must be an int32.' });
    expect(out[5]).toMatchObject({ code: 400, document: '[1,2]', error: 'Bad JSON: not a properly formed document.' });
    expect(out[6]).toEqual({ success: true });
    const upd = await b.importDocuments('movies', '{"id":"nope","year":1}\n{"id":"i1","year":5}', { action: 'update' });
    expect(upd.split('\n').map((l) => JSON.parse(l))).toEqual([
      { success: false, code: 404, document: '{"id":"nope","year":1}', error: 'Could not find a document with id: nope' },
      { success: true },
    ]);
    expect((await b.getDocument('movies', 'i1')).year).toBe(5);
  });

  it('exports JSONL in insertion order, with a filter and field selection', async () => {
    const all = (await b.exportDocuments('movies', {})).split('\n').map((l) => JSON.parse(l));
    expect(all.map((d) => d.id)).toEqual(['1', '2', '3', '4', '5']);
    const some = await b.exportDocuments('movies', { filter_by: 'year:2010', include_fields: 'id,year' });
    expect(some).toBe('{"id":"3","year":2010}\n{"id":"4","year":2010}\n{"id":"5","year":2010}');
  });

  it('writes keys in Typesense\'s order (UTF-8 byte order, nested too) on export, get, write and search', async () => {
    // `expected` is what Typesense 0.24.1 exports for this import line (checked against the binary):
    // every object's keys sorted by their UTF-8 bytes, so "Z" < "extra" < "é" < U+FFFF < an emoji.
    const line = '{"😀":3,"year":1,"title":"t","\uffff":4,"id":"k1","é":1,"genre":"g","Z":2,"extra":{"b":[{"d":1,"c":2}],"a":1}}';
    await b.importDocuments('movies', line, { action: 'create' });
    const expected = '{"Z":2,"extra":{"a":1,"b":[{"c":2,"d":1}]},"genre":"g","id":"k1","title":"t","year":1,"é":1,"\uffff":4,"😀":3}';
    const exported = (await b.exportDocuments('movies', { filter_by: 'id:k1' })).split('\n');
    expect(exported).toEqual([expected]);
    expect(JSON.stringify(await b.getDocument('movies', 'k1'))).toBe(expected);
    const updated = await b.writeDocument('movies', { year: 2, id: 'k1', 'A': 0 }, 'update');
    expect(Object.keys(updated)).toEqual(['A', 'Z', 'extra', 'genre', 'id', 'title', 'year', 'é', '\uffff', '😀']);
    const hit = (await b.search('movies', { q: 't', query_by: 'title', filter_by: 'id:k1' })).hits[0]?.document;
    expect(Object.keys(hit ?? {})).toEqual(Object.keys(updated));
  });

  it('stores and finds a 1 MB string', async () => {
    const big = `${'lorem ipsum '.repeat(87_000)}needle ${'dolor '.repeat(1000)}`;
    expect(big.length).toBeGreaterThan(1_000_000);
    await b.writeDocument('movies', { id: 'big', title: big, genre: 'g', year: 1 }, 'create');
    const r = await b.search('movies', { q: 'needle', query_by: 'title' });
    expect(ids(r)).toEqual(['big']);
    expect(r.hits[0]?.highlights?.[0]?.snippet).toContain('<mark>needle</mark>');
    expect(r.hits[0]!.highlights![0]!.snippet!.length).toBeLessThan(200);
  });
});

describe('durability', () => {
  it('reopens from the same dataDir with everything still there and searchable', async () => {
    await b.upsertAlias('films', 'movies');
    await b.updateCollection('movies', { fields: [{ name: 'director', type: 'string', optional: true }] });
    await b.writeDocument('movies', { id: '2', director: 'Ann' }, 'update');
    await b.deleteDocument('movies', '4');
    await b.close();
    b = await createEmbeddedBackend({ dataDir: tmp.dir });
    const info = await b.getCollection('films');
    expect(info.num_documents).toBe(4);
    expect(info.fields.map((f) => f.name)).toContain('director');
    expect(ids(await b.search('movies', { q: 'ann', query_by: 'director' }))).toEqual(['2']);
    expect(ids(await b.search('movies', { q: 'fantsy', query_by: 'title' }))).toEqual(['1', '2']);
    // Generated ids continue after the stored sequence.
    const d = await b.writeDocument('movies', { title: 't', genre: 'g', year: 1 }, 'create');
    expect(Number(d.id)).toBeGreaterThanOrEqual(5);
    await expect(b.getDocument('movies', '4')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
