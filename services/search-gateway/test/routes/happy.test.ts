/** The happy path of the ops routes and the Typesense-compatible API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCollectionSchema } from '../../src/domain/seed-schema.ts';
import { KEY, buildHarness, withKey, type Harness } from './harness.test-support.ts';
import { ROUTES } from './route-table.test-support.ts';

let h: Harness;
beforeAll(async () => {
  h = await buildHarness();
});
afterAll(async () => {
  await h.close();
});

/** The seeds' curl headers, verbatim (seeds/000 section 8c). */
describe('ops', () => {
  it('/health answers both shapes at once: the seeds\' {"status":"healthy"} and Typesense\'s {"ok":true}', async () => {
    const res = await h.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('{"status":"healthy","ok":true}');
  });

  it('/ready reports the backend', async () => {
    const res = await h.app.inject({ url: '/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { search_backend_embedded: true } });
  });

  it('/metrics counts requests by route pattern', async () => {
    await h.app.inject({ url: '/collections/story_a/documents/1_1', headers: withKey(KEY.full) });
    await h.app.inject({ method: 'POST', url: '/search', headers: withKey(KEY.full), payload: { q: '*', query_by: 'comment' } });
    const res = await h.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/http_requests_total\{[^}]*route="\/collections\/:collection\/documents\/:id"[^}]*status_code="200"[^}]*\} \d+/);
    expect(res.body).toMatch(/http_requests_total\{[^}]*route="\/search"/);
    expect(res.body).not.toContain('route="/collections/story_a/documents/1_1"');
  });

  it('/docs/json lists every route', async () => {
    const res = await h.app.inject({ url: '/docs/json' });
    const spec = res.json<{ paths: Record<string, Record<string, unknown>> }>();
    for (const route of ROUTES) {
      const path = route.route.replace(/:(\w+)/g, '{$1}');
      expect(spec.paths[path], path).toBeDefined();
      expect(spec.paths[path]?.[route.method.toLowerCase()], `${route.method} ${path}`).toBeDefined();
    }
    expect(spec.paths['/health']).toBeDefined();
  });

  it('echoes a caller x-request-id, and makes one otherwise', async () => {
    const res = await h.app.inject({ url: '/collections/story_a', headers: withKey(KEY.full, { 'x-request-id': 'trace-abc.123' }) });
    expect(res.headers['x-request-id']).toBe('trace-abc.123');
    const denied = await h.app.inject({ url: '/collections/story_a', headers: { 'x-request-id': 'trace-denied' } });
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['x-request-id']).toBe('trace-denied');
    const fresh = await h.app.inject({ url: '/health' });
    expect(fresh.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]+$/);
  });
});

describe('the Typesense-compatible API', () => {
  const auth = withKey(KEY.full);
  const movie = (id: string, extra: Record<string, unknown> = {}) => ({ id, title: `Movie ${id}`, year: 2000 + Number(id.replace(/\D/g, '') || 0), genre: 'drama', ...extra });

  it('collections: create, get, list, patch, delete', async () => {
    const schema = { name: 'movies', fields: [{ name: 'title', type: 'string' }, { name: 'year', type: 'int32' }, { name: 'genre', type: 'string', facet: true }], default_sorting_field: 'year' };
    const created = await h.app.inject({ method: 'POST', url: '/collections', headers: auth, payload: schema });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ name: 'movies', num_documents: 0, default_sorting_field: 'year' });

    const got = await h.app.inject({ url: '/collections/movies', headers: auth });
    expect(got.json()).toMatchObject({ name: 'movies', fields: expect.arrayContaining([expect.objectContaining({ name: 'title', type: 'string' })]) });

    const list = await h.app.inject({ url: '/collections', headers: auth });
    expect(list.json<Array<{ name: string }>>().map((c) => c.name)).toContain('movies');

    const patched = await h.app.inject({ method: 'PATCH', url: '/collections/movies', headers: auth, payload: { fields: [{ name: 'rating', type: 'float', optional: true }] } });
    expect(patched.statusCode, patched.body).toBe(200);
    const after = await h.app.inject({ url: '/collections/movies', headers: auth });
    expect(after.json<{ fields: Array<{ name: string }> }>().fields.map((f) => f.name)).toContain('rating');

    const dropped = await h.app.inject({ method: 'PATCH', url: '/collections/movies', headers: auth, payload: { fields: [{ name: 'rating', drop: true }] } });
    expect(dropped.statusCode, dropped.body).toBe(200);

    await h.backend.createCollection(seedCollectionSchema('to_delete'));
    const deleted = await h.app.inject({ method: 'DELETE', url: '/collections/to_delete', headers: auth });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toMatchObject({ name: 'to_delete' });
    expect((await h.app.inject({ url: '/collections/to_delete', headers: auth })).statusCode).toBe(404);
  });

  it('documents: create, upsert, update, emplace, get, patch, delete', async () => {
    const create = await h.app.inject({ method: 'POST', url: '/collections/movies/documents', headers: auth, payload: movie('1') });
    expect(create.statusCode, create.body).toBe(201);
    expect(create.json()).toMatchObject({ id: '1', title: 'Movie 1' });

    const upsert = await h.app.inject({ method: 'POST', url: '/collections/movies/documents?action=upsert', headers: auth, payload: movie('1', { title: 'Upserted' }) });
    expect(upsert.statusCode, upsert.body).toBe(201);

    const update = await h.app.inject({ method: 'POST', url: '/collections/movies/documents?action=update', headers: auth, payload: { id: '1', genre: 'comedy' } });
    expect(update.statusCode, update.body).toBe(201);

    const emplace = await h.app.inject({ method: 'POST', url: '/collections/movies/documents?action=emplace', headers: auth, payload: movie('2') });
    expect(emplace.statusCode, emplace.body).toBe(201);

    const got = await h.app.inject({ url: '/collections/movies/documents/1', headers: auth });
    expect(got.json()).toEqual({ id: '1', title: 'Upserted', year: 2001, genre: 'comedy' });

    const patched = await h.app.inject({ method: 'PATCH', url: '/collections/movies/documents/1', headers: auth, payload: { title: 'Patched' } });
    expect(patched.statusCode, patched.body).toBe(200);
    expect((await h.backend.getDocument('movies', '1')).title).toBe('Patched');

    const deleted = await h.app.inject({ method: 'DELETE', url: '/collections/movies/documents/2', headers: auth });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json()).toMatchObject({ id: '2' });
    expect((await h.app.inject({ url: '/collections/movies/documents/2', headers: auth })).statusCode).toBe(404);
  });

  it('import JSONL (text/plain and application/x-ndjson) and export', async () => {
    const lines = [movie('10'), movie('11'), movie('12', { genre: 'comedy' })].map((d) => JSON.stringify(d)).join('\n');
    const res = await h.app.inject({ method: 'POST', url: '/collections/movies/documents/import?action=create', headers: { ...auth, 'content-type': 'text/plain' }, payload: lines });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body.split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ success: true }, { success: true }, { success: true }]);

    const ndjson = await h.app.inject({
      method: 'POST',
      url: '/collections/movies/documents/import?action=upsert&return_id=true',
      headers: { ...auth, 'content-type': 'application/x-ndjson' },
      payload: `${JSON.stringify(movie('13'))}\n${JSON.stringify({ id: 14 })}`,
    });
    expect(ndjson.statusCode, ndjson.body).toBe(200);
    const results = ndjson.body.split('\n').map((l) => JSON.parse(l) as { success: boolean; id?: string });
    expect(results[0]).toEqual({ success: true, id: '13' });
    expect(results[1]?.success).toBe(false);

    const exported = await h.app.inject({ url: '/collections/movies/documents/export', headers: auth });
    expect(exported.statusCode).toBe(200);
    const ids = exported.body.split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    expect(ids).toEqual(expect.arrayContaining(['1', '10', '11', '12', '13']));

    const filtered = await h.app.inject({ url: `/collections/movies/documents/export?filter_by=${encodeURIComponent('genre:=comedy')}&include_fields=id,genre`, headers: auth });
    const rows = filtered.body.split('\n').map((l) => JSON.parse(l) as { id: string });
    // Movie 1 became a comedy in the documents test.
    expect(rows.sort((a, b) => a.id.localeCompare(b.id))).toEqual([{ id: '1', genre: 'comedy' }, { id: '12', genre: 'comedy' }]);
  });

  it('delete by filter', async () => {
    const res = await h.app.inject({ method: 'DELETE', url: `/collections/movies/documents?filter_by=${encodeURIComponent('year:>=2011 && year:<=2012')}`, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ num_deleted: 2 });
    expect((await h.app.inject({ url: '/collections/movies/documents/11', headers: auth })).statusCode).toBe(404);
  });

  it('search, with filters, sorting, facets and paging', async () => {
    const res = await h.app.inject({
      url: `/collections/movies/documents/search?${new URLSearchParams({ q: 'movie', query_by: 'title', filter_by: 'year:>2000', sort_by: 'year:desc', facet_by: 'genre', per_page: '2', page: '1' })}`,
      headers: auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ found: number; hits: Array<{ document: { id: string } }>; facet_counts: unknown[]; page: number }>();
    expect(body.found).toBeGreaterThanOrEqual(2);
    expect(body.hits).toHaveLength(2);
    expect(body.page).toBe(1);
    expect(body.facet_counts).toHaveLength(1);
  });

  it('multi_search, with the collection in each search or in the query string', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/multi_search?query_by=comment',
      headers: auth,
      payload: { searches: [{ collection: 'story_a', q: 'script' }, { collection: 'elements', q: '*', per_page: 1 }] },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json<{ results: Array<{ found: number; hits: unknown[] }> }>();
    expect(results).toHaveLength(2);
    expect(results[0]?.found).toBe(2);
    expect(results[1]?.hits).toHaveLength(1);

    const viaQuery = await h.app.inject({ method: 'POST', url: '/multi_search?collection=story_a', headers: auth, payload: { searches: [{ q: '*', query_by: 'comment' }] } });
    expect(viaQuery.json<{ results: Array<{ found: number }> }>().results[0]?.found).toBeGreaterThanOrEqual(3);
  });

  it('aliases: upsert, get, list, search through one, delete', async () => {
    const put = await h.app.inject({ method: 'PUT', url: '/aliases/films', headers: auth, payload: { collection_name: 'movies' } });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({ name: 'films', collection_name: 'movies' });
    expect((await h.app.inject({ url: '/aliases/films', headers: auth })).json()).toEqual({ name: 'films', collection_name: 'movies' });
    const list = await h.app.inject({ url: '/aliases', headers: auth });
    expect(list.json<{ aliases: unknown[] }>().aliases).toEqual(expect.arrayContaining([{ name: 'films', collection_name: 'movies' }]));

    const search = await h.app.inject({ url: '/collections/films/documents/search?q=*&query_by=title', headers: auth });
    expect(search.statusCode, search.body).toBe(200);
    expect(search.json<{ found: number }>().found).toBeGreaterThan(0);

    const repoint = await h.app.inject({ method: 'PUT', url: '/aliases/films', headers: auth, payload: { collection_name: 'story_a' } });
    expect(repoint.json()).toEqual({ name: 'films', collection_name: 'story_a' });
    // The schema cache follows the alias: story_a's fields are valid now, movies' are not.
    const afterRepoint = await h.app.inject({ url: '/collections/films/documents/search?q=*&query_by=comment', headers: auth });
    expect(afterRepoint.statusCode, afterRepoint.body).toBe(200);

    const del = await h.app.inject({ method: 'DELETE', url: '/aliases/films', headers: auth });
    expect(del.statusCode).toBe(200);
    expect((await h.app.inject({ url: '/aliases/films', headers: auth })).statusCode).toBe(404);
  });
});
