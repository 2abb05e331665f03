// The backend's methods against the real binary; its timeouts, retries and failover are clients.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTypesense, typesenseAvailable, type TypesenseServer } from '@fountain/testing';
import type { SearchBackend } from '../backend.ts';
import { createTypesenseBackend } from './typesense-backend.ts';
import { BOOKS, booksSchema, expectAppError, seededBooks, toJsonl, unique } from './typesense-backend.test-support.ts';

describe.skipIf(!typesenseAvailable())('typesense backend against a real Typesense 0.24.1', () => {
  let ts: TypesenseServer;
  let backend: SearchBackend;

  beforeAll(async () => {
    ts = await startTypesense();
    backend = createTypesenseBackend({
      nodes: [{ host: ts.host, port: ts.port, protocol: 'http' }],
      apiKey: ts.apiKey,
    });
  });

  afterAll(async () => {
    await backend?.close();
    await ts?.stop();
  });

  const seeded = (): Promise<string> => seededBooks(backend);

  it('reports health', async () => {
    expect(backend.kind).toBe('typesense');
    expect(await backend.health()).toBe(true);
  });

  describe('collections', () => {
    it('creates, gets, lists, patches and deletes', async () => {
      const name = unique('coll');
      const created = await backend.createCollection(booksSchema(name));
      expect(created.name).toBe(name);
      expect(created.num_documents).toBe(0);
      expect(created.fields.map((f) => f.name)).toEqual(['title', 'genre', 'year']);

      expect((await backend.getCollection(name)).name).toBe(name);
      expect((await backend.listCollections()).map((c) => c.name)).toContain(name);

      const patch = await backend.updateCollection(name, {
        fields: [{ name: 'pages', type: 'int32', optional: true }, { name: 'genre', drop: true, type: 'string' }],
      });
      // 0.24.1 answers the drops first, whatever the order asked.
      expect(patch.fields.map((f) => f.name).sort()).toEqual(['genre', 'pages']);
      const after = await backend.getCollection(name);
      expect(after.fields.map((f) => f.name).sort()).toEqual(['pages', 'title', 'year']);

      expect((await backend.deleteCollection(name)).name).toBe(name);
      await expectAppError(backend.getCollection(name), 'NOT_FOUND');
    });

    it('maps a duplicate to CONFLICT and a missing one to NOT_FOUND', async () => {
      const name = unique('dup');
      await backend.createCollection(booksSchema(name));
      const conflict = await expectAppError(backend.createCollection(booksSchema(name)), 'CONFLICT');
      expect(conflict.message).toMatch(/already exists/);
      const missing = await expectAppError(backend.getCollection(unique('nope')), 'NOT_FOUND');
      expect(missing.status).toBe(404);
      await expectAppError(backend.deleteCollection(unique('nope')), 'NOT_FOUND');
    });

    it("maps a rejected schema to VALIDATION_ERROR with Typesense's message", async () => {
      const err = await expectAppError(
        backend.createCollection({
          name: unique('bad'),
          fields: [{ name: 'title', type: 'string' }],
          default_sorting_field: 'missing',
        }),
        'VALIDATION_ERROR',
      );
      expect(err.message).toMatch(/Default sorting field is defined as `missing` but is not found in the schema/);
      expect(err.message).not.toMatch(/Request failed with HTTP code/);
    });

    it('rejects a PATCH that adds an existing field (not idempotent) without retrying it', async () => {
      const name = unique('patch');
      await backend.createCollection(booksSchema(name));
      await backend.updateCollection(name, { fields: [{ name: 'pages', type: 'int32', optional: true }] });
      const err = await expectAppError(
        backend.updateCollection(name, { fields: [{ name: 'pages', type: 'int32', optional: true }] }),
        'VALIDATION_ERROR',
      );
      expect(err.message).toMatch(/pages/);
    });
  });

  describe('documents', () => {
    it('writes with every action, gets and deletes', async () => {
      const name = unique('docs');
      await backend.createCollection(booksSchema(name));
      const doc = { id: 'a', title: 'Dune', genre: 'scifi', year: 1965 };
      expect(await backend.writeDocument(name, doc, 'create')).toEqual(doc);
      await expectAppError(backend.writeDocument(name, doc, 'create'), 'CONFLICT');
      expect(await backend.writeDocument(name, { ...doc, year: 1966 }, 'upsert')).toMatchObject({ year: 1966 });
      expect(await backend.writeDocument(name, { id: 'a', title: 'Dune!' }, 'update')).toMatchObject({
        id: 'a',
        title: 'Dune!',
      });
      await backend.writeDocument(name, { id: 'a', genre: 'sf' }, 'emplace');
      expect(await backend.getDocument(name, 'a')).toEqual({ id: 'a', title: 'Dune!', genre: 'sf', year: 1966 });
      await expectAppError(backend.writeDocument(name, { id: 'zz', title: 'x' }, 'update'), 'NOT_FOUND');

      expect(await backend.deleteDocument(name, 'a')).toMatchObject({ id: 'a' });
      await expectAppError(backend.getDocument(name, 'a'), 'NOT_FOUND');
      await expectAppError(backend.deleteDocument(name, 'a'), 'NOT_FOUND');
    });

    it('maps a schema violation to VALIDATION_ERROR and a missing collection to NOT_FOUND', async () => {
      const name = unique('docs');
      await backend.createCollection(booksSchema(name));
      const err = await expectAppError(
        backend.writeDocument(name, { id: 'b', title: 'x', genre: 'y', year: 'not a number' }, 'create'),
        'VALIDATION_ERROR',
      );
      expect(err.message).toMatch(/year/);
      await expectAppError(backend.writeDocument(unique('nope'), { id: 'c' }, 'upsert'), 'NOT_FOUND');
    });

    it('deletes by filter', async () => {
      const name = await seeded();
      expect(await backend.deleteByFilter(name, 'genre:=[`scifi`]')).toEqual({ num_deleted: 2 });
      expect((await backend.getCollection(name)).num_documents).toBe(1);
      // 0.24.1 (and later) answers 404 "Could not find a filter field named `nope`" for an unknown field.
      await expectAppError(backend.deleteByFilter(name, 'nope:=1'), 'NOT_FOUND');
      const err = await expectAppError(backend.deleteByFilter(name, 'year:>abc'), 'VALIDATION_ERROR');
      expect(err.message).toMatch(/year/);
    });
  });

  describe('import and export', () => {
    it('returns one raw result line per document, failures included, without throwing', async () => {
      const name = unique('imp');
      await backend.createCollection(booksSchema(name));
      const jsonl = toJsonl([BOOKS[0]!, { id: '9', title: 'no year', genre: 'x' }, BOOKS[1]!]) + '\nnot json';
      const out = await backend.importDocuments(name, jsonl, { action: 'create' });
      const lines = out.split('\n').map((l) => JSON.parse(l) as { success: boolean; error?: string; code?: number });
      expect(lines).toHaveLength(4);
      expect(lines.map((l) => l.success)).toEqual([true, false, true, false]);
      expect(lines[1]!.error).toMatch(/year/);
      expect(lines[3]!.error).toMatch(/JSON/i);

      // A second create of the same ids fails per line (409), still without a throw.
      const again = await backend.importDocuments(name, toJsonl([BOOKS[0]!]), { action: 'create' });
      expect(JSON.parse(again)).toMatchObject({ success: false, code: 409 });
    });

    it('returns a single-line answer as JSONL too, and passes options through', async () => {
      const name = unique('imp');
      await backend.createCollection(booksSchema(name));
      const out = await backend.importDocuments(name, JSON.stringify({ id: '1', title: 'T', genre: 'g', year: '12' }), {
        action: 'upsert',
        dirty_values: 'coerce_or_reject',
      });
      expect(typeof out).toBe('string');
      expect(JSON.parse(out)).toEqual({ success: true });
      expect(await backend.getDocument(name, '1')).toMatchObject({ year: 12 });
    });

    it('maps an import into a missing collection to NOT_FOUND', async () => {
      await expectAppError(backend.importDocuments(unique('nope'), toJsonl(BOOKS), {}), 'NOT_FOUND');
    });

    it('exports JSONL with filter and field selection', async () => {
      const name = await seeded();
      const all = (await backend.exportDocuments(name, {})).split('\n').map((l) => JSON.parse(l) as { id: string });
      expect(all.map((d) => d.id).sort()).toEqual(['1', '2', '3']);

      const one = await backend.exportDocuments(name, { filter_by: 'genre:=[`classic`]', include_fields: 'id,title' });
      expect(JSON.parse(one)).toEqual({ id: '3', title: 'Emma' });

      const slim = await backend.exportDocuments(name, { exclude_fields: 'title,genre' });
      expect(slim.split('\n').map((l) => Object.keys(JSON.parse(l) as object).sort())).toEqual([
        ['id', 'year'],
        ['id', 'year'],
        ['id', 'year'],
      ]);

      const empty = unique('empty');
      await backend.createCollection(booksSchema(empty));
      expect(await backend.exportDocuments(empty, {})).toBe('');
      await expectAppError(backend.exportDocuments(unique('nope'), {}), 'NOT_FOUND');
    });
  });

  describe('search', () => {
    it('answers hits, facets and the 0.24 highlight shape', async () => {
      const name = await seeded();
      const res = await backend.search(name, {
        q: 'dune',
        query_by: 'title',
        facet_by: 'genre',
        sort_by: 'year:desc',
        per_page: '10',
      });
      expect(res.found).toBe(2);
      expect(res.out_of).toBe(3);
      expect(res.page).toBe(1);
      expect(res.hits.map((h) => h.document.id)).toEqual(['2', '1']);
      expect(typeof res.hits[0]!.text_match).toBe('number');
      expect(res.hits[0]!.highlights?.[0]?.field).toBe('title');
      expect(res.facet_counts[0]).toMatchObject({ field_name: 'genre', counts: [{ value: 'scifi', count: 2 }] });
      expect(res.request_params).toMatchObject({ q: 'dune' });
    });

    it('defaults facet_counts to [] and maps bad parameters to VALIDATION_ERROR', async () => {
      const name = await seeded();
      const res = await backend.search(name, { q: '*', query_by: 'title', filter_by: 'year:<1900' });
      expect(res.hits.map((h) => h.document.id)).toEqual(['3']);
      expect(res.facet_counts).toEqual([]);
      const err = await expectAppError(backend.search(name, { q: '*', filter_by: 'year:>abc' }), 'VALIDATION_ERROR');
      expect(err.message).toMatch(/year/);
      // Typesense answers an unknown query_by field with a 404, and its message says which field.
      const unknown = await expectAppError(backend.search(name, { q: 'x', query_by: 'nope' }), 'NOT_FOUND');
      expect(unknown.message).toMatch(/Could not find a field named `nope`/);
      await expectAppError(backend.search(unique('nope'), { q: 'x', query_by: 'title' }), 'NOT_FOUND');
    });

    it('searchRaw answers the same search as bytes, and maps errors the same way', async () => {
      const name = await seeded();
      const params = { q: 'dune', query_by: 'title', facet_by: 'genre', sort_by: 'year:desc' };
      const raw = JSON.parse((await backend.searchRaw!(name, params)).toString('utf8')) as Record<string, unknown>;
      const parsed = await backend.search(name, params);
      expect(raw.found).toBe(parsed.found);
      expect((raw.hits as Array<{ document: { id: string } }>).map((h) => h.document.id)).toEqual(['2', '1']);
      expect(raw.facet_counts).toEqual(parsed.facet_counts);
      const err = await expectAppError(backend.searchRaw!(name, { q: '*', filter_by: 'year:>abc' }), 'VALIDATION_ERROR');
      expect(err.message).toMatch(/year/);
      const unknown = await expectAppError(backend.searchRaw!(name, { q: 'x', query_by: 'nope' }), 'NOT_FOUND');
      expect(unknown.message).toMatch(/Could not find a field named `nope`/);
    });

    it('multi-searches, with a per-search {code, error} for a failing search', async () => {
      const name = await seeded();
      const res = await backend.multiSearch(
        [{ collection: name, q: 'emma' }, { collection: unique('nope'), q: 'x' }, { collection: name, q: '*', filter_by: 'year:>abc' }],
        { query_by: 'title' },
      );
      expect(res.results).toHaveLength(3);
      const [ok, missing, bad] = res.results;
      expect(ok).toMatchObject({ found: 1, facet_counts: [] });
      expect(missing).toMatchObject({ code: 404 });
      expect(bad).toMatchObject({ code: 400, error: expect.stringMatching(/year/) });
    });
  });

  describe('aliases', () => {
    it('upserts, gets, lists, resolves and deletes', async () => {
      const name = await seeded();
      const alias = unique('alias');
      expect(await backend.upsertAlias(alias, name)).toEqual({ name: alias, collection_name: name });
      expect(await backend.getAlias(alias)).toEqual({ name: alias, collection_name: name });
      expect(await backend.listAliases()).toContainEqual({ name: alias, collection_name: name });
      // Search and document reads go through the alias.
      expect((await backend.search(alias, { q: 'emma', query_by: 'title' })).found).toBe(1);
      expect(await backend.getDocument(alias, '3')).toMatchObject({ title: 'Emma' });
      expect(await backend.deleteAlias(alias)).toEqual({ name: alias, collection_name: name });
      await expectAppError(backend.getAlias(alias), 'NOT_FOUND');
      await expectAppError(backend.deleteAlias(alias), 'NOT_FOUND');
    });
  });
});
