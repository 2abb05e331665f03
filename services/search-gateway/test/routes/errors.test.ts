/** Bad input to the Typesense-compatible API (collections, documents, import, search, multi_search, aliases), body limits and paths. */
import { describe, expect, it } from 'vitest';
import { seedCollectionSchema } from '../../src/domain/seed-schema.ts';
import { FIXTURE_DOCS, KEY, buildHarness, expectEnvelope, expectValidation, harnessPerFile, withKey } from './harness.test-support.ts';

const file = harnessPerFile();
const auth = withKey(KEY.full);
const doc = (extra: Record<string, unknown> = {}) => ({ ...FIXTURE_DOCS[0], id: 'err_1', ...extra });
const inject = file.inject;
const search = (payload: Record<string, unknown>) => inject({ method: 'POST', url: '/search', payload: { q: '*', query_by: 'comment', ...payload } });
const tsSearch = (params: Record<string, string>, collection = 'story_a') =>
  inject({ url: `/collections/${collection}/documents/search?${new URLSearchParams({ q: '*', query_by: 'comment', ...params })}` });

describe('collections', () => {
  it('a duplicate collection is 409', async () => {
    const res = await inject({ method: 'POST', url: '/collections', payload: seedCollectionSchema('story_a') });
    expect(expectEnvelope(res, 'CONFLICT').message).toContain('story_a');
  });

  it('a bad schema is 400 naming the problem', async () => {
    expectValidation(await inject({ method: 'POST', url: '/collections', payload: { name: 'x1' } }), 'fields');
    expectValidation(await inject({ method: 'POST', url: '/collections', payload: { name: 'x2', fields: [] } }), 'fields');
    expectValidation(await inject({ method: 'POST', url: '/collections', payload: { name: 'x3', fields: [{ name: 'a', type: 'nonsense' }] } }), 'nonsense');
    expectValidation(
      await inject({ method: 'POST', url: '/collections', payload: { name: 'x4', fields: [{ name: 'a', type: 'string' }], default_sorting_field: 'missing' } }),
      'missing',
    );
    expectValidation(await inject({ method: 'POST', url: '/collections', payload: { name: 'a/b', fields: [{ name: 'a', type: 'string' }] } }), 'name');
  });

  it('an unknown collection is 404 on get, patch and delete', async () => {
    expectEnvelope(await inject({ url: '/collections/nope' }), 'NOT_FOUND');
    expectEnvelope(await inject({ method: 'PATCH', url: '/collections/nope', payload: { fields: [{ name: 'a', type: 'string' }] } }), 'NOT_FOUND');
    expectEnvelope(await inject({ method: 'DELETE', url: '/collections/nope' }), 'NOT_FOUND');
  });

  it('a bad PATCH is 400', async () => {
    expectValidation(await inject({ method: 'PATCH', url: '/collections/story_a', payload: { fields: [] } }), 'fields');
    expectValidation(await inject({ method: 'PATCH', url: '/collections/story_a', payload: {} }), 'fields');
    expectEnvelope(await inject({ method: 'PATCH', url: '/collections/story_a', payload: { fields: [{ name: 'never_there', drop: true }] } }), 'VALIDATION_ERROR');
    // Adding an existing field again (PATCH is not idempotent in 0.24.1).
    expectEnvelope(await inject({ method: 'PATCH', url: '/collections/story_a', payload: { fields: [{ name: 'comment', type: 'string' }] } }), 'VALIDATION_ERROR');
  });
});

describe('documents', () => {
  it('refuses a numeric or missing id where it is required', async () => {
    expectValidation(await inject({ method: 'POST', url: '/collections/story_a/documents', payload: doc({ id: 5 }) }), 'id');
    const { id: _id, ...noId } = doc();
    expectValidation(await inject({ method: 'POST', url: '/collections/story_a/documents?action=update', payload: noId }), 'id');
  });

  it('refuses an unknown action or dirty_values', async () => {
    expectValidation(await inject({ method: 'POST', url: '/collections/story_a/documents?action=replace', payload: doc() }), 'action');
    expectValidation(await inject({ method: 'POST', url: '/collections/story_a/documents?dirty_values=maybe', payload: doc() }), 'dirty_values');
    expectValidation(await inject({ method: 'POST', url: '/collections/story_a/documents?surprise=1', payload: doc() }), 'surprise');
  });

  it('a duplicate create is 409, an update of a missing document 404', async () => {
    expectEnvelope(await inject({ method: 'POST', url: '/collections/story_a/documents', payload: { ...FIXTURE_DOCS[0] } }), 'CONFLICT');
    expectEnvelope(await inject({ method: 'POST', url: '/collections/story_a/documents?action=update', payload: { id: 'missing_2', comment: 'x' } }), 'NOT_FOUND');
    expectEnvelope(await inject({ method: 'PATCH', url: '/collections/story_a/documents/missing_2', payload: { comment: 'x' } }), 'NOT_FOUND');
  });

  it('refuses a body id that differs from the path on PATCH', async () => {
    expectValidation(await inject({ method: 'PATCH', url: '/collections/story_a/documents/1_1', payload: { id: '2_1', comment: 'x' } }), 'id');
  });

  it('refuses a body that is not an object', async () => {
    for (const payload of ['[]', '"x"', '3']) {
      const res = await inject({ method: 'POST', url: '/collections/story_a/documents', headers: { 'content-type': 'application/json' }, payload });
      expectEnvelope(res, 'VALIDATION_ERROR');
      const patch = await inject({ method: 'PATCH', url: '/collections/story_a/documents/1_1', headers: { 'content-type': 'application/json' }, payload });
      expectEnvelope(patch, 'VALIDATION_ERROR');
    }
  });

  it('missing documents and collections are 404', async () => {
    expectEnvelope(await inject({ url: '/collections/story_a/documents/missing_3' }), 'NOT_FOUND');
    expectEnvelope(await inject({ method: 'DELETE', url: '/collections/story_a/documents/missing_3' }), 'NOT_FOUND');
    expectEnvelope(await inject({ url: '/collections/nope/documents/1_1' }), 'NOT_FOUND');
    expectEnvelope(await inject({ method: 'POST', url: '/collections/nope/documents', payload: doc() }), 'NOT_FOUND');
    expectEnvelope(await inject({ url: '/collections/nope/documents/export' }), 'NOT_FOUND');
  });

  it('delete by filter needs a valid, safe filter_by', async () => {
    expectValidation(await inject({ method: 'DELETE', url: '/collections/story_a/documents' }), 'filter_by');
    expectValidation(await inject({ method: 'DELETE', url: '/collections/story_a/documents?filter_by=' }), 'filter_by');
    for (const filter of ['element_id:>', 'nope:=1', 'comment:=x` || element_type:=`script', 'element_type:=script`']) {
      const res = await inject({ method: 'DELETE', url: `/collections/story_a/documents?filter_by=${encodeURIComponent(filter)}` });
      expectEnvelope(res, 'VALIDATION_ERROR');
    }
    expectEnvelope(await inject({ method: 'DELETE', url: `/collections/nope/documents?filter_by=${encodeURIComponent('element_id:=1')}` }), 'NOT_FOUND');
    // Nothing was deleted by any of the above.
    await expect(file.h.backend.getDocument('story_a', '1_1')).resolves.toMatchObject({ id: '1_1' });
  });

  it('export refuses a bad filter the same way', async () => {
    for (const filter of ['comment:=x` || element_type:=`script', 'nope:=1']) {
      const res = await inject({ url: `/collections/story_a/documents/export?filter_by=${encodeURIComponent(filter)}` });
      expectEnvelope(res, 'VALIDATION_ERROR');
    }
  });
});

describe('import', () => {
  const importUrl = '/collections/story_a/documents/import';

  it('refuses an empty body', async () => {
    for (const payload of ['', '   ', '\n\n']) {
      const res = await inject({ method: 'POST', url: importUrl, headers: { 'content-type': 'text/plain' }, payload });
      expectEnvelope(res, 'VALIDATION_ERROR');
    }
  });

  it('a body labelled application/json is read as JSONL, as Typesense reads it', async () => {
    const one = await inject({ method: 'POST', url: importUrl, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(doc({ id: 'imp_json' })) });
    expect(one.body).toBe('{"success":true}');
    // A JSON array is not a JSONL line of a document: a per-line failure, in a 200.
    const array = await inject({ method: 'POST', url: importUrl, headers: { 'content-type': 'application/json' }, payload: JSON.stringify([doc()]) });
    expect(array.statusCode).toBe(200);
    expect(array.json()).toMatchObject({ success: false, error: expect.any(String) });
  });

  it('per-document failures are result lines with HTTP 200, as in Typesense', async () => {
    const res = await inject({ method: 'POST', url: importUrl, headers: { 'content-type': 'text/plain' }, payload: `not json\n${JSON.stringify(doc({ id: 'imp_ok' }))}\n{"id": 3}` });
    expect(res.statusCode, res.body).toBe(200);
    const lines = res.body.split('\n').map((l) => JSON.parse(l) as { success: boolean; error?: string });
    expect(lines.map((l) => l.success)).toEqual([false, true, false]);
    expect(lines[0]?.error).toBeTruthy();
  });

  it('refuses bad query parameters and an unknown collection', async () => {
    const payload = JSON.stringify(doc({ id: 'imp_q' }));
    for (const q of ['action=replace', 'batch_size=0', 'batch_size=many', 'surprise=1']) {
      const res = await inject({ method: 'POST', url: `${importUrl}?${q}`, headers: { 'content-type': 'text/plain' }, payload });
      expectEnvelope(res, 'VALIDATION_ERROR');
    }
    const missing = await inject({ method: 'POST', url: '/collections/nope/documents/import', headers: { 'content-type': 'text/plain' }, payload });
    expectEnvelope(missing, 'NOT_FOUND');
  });
});

describe('GET .../documents/search', () => {
  it('refuses an unsupported search parameter, naming it', async () => {
    expectValidation(await tsSearch({ vector_query: 'x' }), 'vector_query');
    expectValidation(await tsSearch({ group_by: 'element_type' }), 'group_by');
  });

  it('refuses missing q, bad numbers, bad filters and sorts', async () => {
    expectValidation(await inject({ url: '/collections/story_a/documents/search?query_by=comment' }), 'q');
    expectValidation(await tsSearch({ per_page: '251' }), 'per_page');
    expectValidation(await tsSearch({ per_page: 'ten' }), 'per_page');
    expectValidation(await tsSearch({ page: '-1' }), 'page');
    expectValidation(await tsSearch({ filter_by: 'comment:=x` || element_type:=`script' }), 'filter_by');
    expectValidation(await tsSearch({ filter_by: 'nope:=1' }), 'nope');
    expectValidation(await tsSearch({ sort_by: 'nope:desc' }), 'sort_by');
    expectValidation(await tsSearch({ facet_by: 'comment' }), 'comment');
  });

  it('an unknown collection is 404', async () => {
    expectEnvelope(await tsSearch({}, 'nope'), 'NOT_FOUND');
  });

  it('a repeated query parameter is 400, not a 500', async () => {
    expectEnvelope(await inject({ url: '/collections/story_a/documents/search?q=a&q=b&query_by=comment' }), 'VALIDATION_ERROR');
    expectEnvelope(await inject({ method: 'POST', url: '/multi_search?query_by=comment&query_by=element_type', payload: { searches: [{ collection: 'story_a', q: '*' }] } }), 'VALIDATION_ERROR');
    expectEnvelope(await inject({ method: 'DELETE', url: '/collections/story_a/documents?filter_by=element_id:=1&filter_by=element_id:=2' }), 'VALIDATION_ERROR');
  });
});

describe('POST /multi_search', () => {
  it('a bad search fails in its own slot; the others answer', async () => {
    const res = await inject({
      method: 'POST',
      url: '/multi_search',
      payload: {
        searches: [
          { collection: 'story_a', q: 'scene', query_by: 'element_type' },
          { collection: 'story_a', q: '*', query_by: 'comment', filter_by: 'comment:=x` || element_type:=`script' },
          { collection: 'nope', q: '*', query_by: 'comment' },
          { collection: 'story_a', q: '*', query_by: 'nope' },
          { collection: 'story_a', q: '*', query_by: 'comment', per_page: 1 },
        ],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json<{ results: Array<Record<string, unknown>> }>();
    expect(results).toHaveLength(5);
    expect(results[0]).toMatchObject({ found: 1 });
    expect(Object.keys(results[1] ?? {}).sort()).toEqual(['code', 'error']);
    expect(results[1]).toMatchObject({ code: 400, error: expect.stringContaining('filter_by') as unknown });
    expect(results[2]).toMatchObject({ code: 404 });
    expect(results[3]).toMatchObject({ code: 400, error: expect.stringContaining('nope') as unknown });
    expect((results[4] as { hits: unknown[] }).hits).toHaveLength(1);
  });

  it('a search without a collection is 400 naming its slot', async () => {
    const res = await inject({ method: 'POST', url: '/multi_search', payload: { searches: [{ collection: 'story_a', q: '*', query_by: 'comment' }, { q: '*', query_by: 'comment' }] } });
    expectValidation(res, 'searches[1].collection');
    expectValidation(await inject({ method: 'POST', url: '/multi_search', payload: { searches: [{ collection: '', q: '*', query_by: 'comment' }] } }), 'collection');
    expectValidation(await inject({ method: 'POST', url: '/multi_search', payload: { searches: [{ collection: 5, q: '*', query_by: 'comment' }] } }), 'collection');
  });

  it('refuses a body without searches, with too many, or with non-object slots', async () => {
    expectValidation(await inject({ method: 'POST', url: '/multi_search', payload: {} }), 'searches');
    expectValidation(await inject({ method: 'POST', url: '/multi_search', payload: { searches: 'x' } }), 'searches');
    expectValidation(await inject({ method: 'POST', url: '/multi_search', payload: { searches: [1, 'x'] } }), 'searches');
    const many = Array.from({ length: 51 }, () => ({ collection: 'story_a', q: '*', query_by: 'comment' }));
    expectValidation(await inject({ method: 'POST', url: '/multi_search', payload: { searches: many } }), 'searches');
  });
});

describe('aliases', () => {
  it('a missing alias is 404; an alias to a missing collection is 404 when used', async () => {
    expectEnvelope(await inject({ url: '/aliases/ghost' }), 'NOT_FOUND');
    expectEnvelope(await inject({ method: 'DELETE', url: '/aliases/ghost' }), 'NOT_FOUND');
    // Typesense accepts an alias to a collection that doesn't exist yet; using it is a 404.
    const dangling = await inject({ method: 'PUT', url: '/aliases/dangling', payload: { collection_name: 'not_yet' } });
    expect(dangling.statusCode, dangling.body).toBe(200);
    expectEnvelope(await tsSearch({}, 'dangling'), 'NOT_FOUND');
    expectEnvelope(await search({ collection: 'dangling' }), 'NOT_FOUND');
    expectEnvelope(await inject({ method: 'POST', url: '/collections/dangling/documents', payload: doc() }), 'NOT_FOUND');
  });

  it('a bad alias body is 400 naming collection_name', async () => {
    expectValidation(await inject({ method: 'PUT', url: '/aliases/x', payload: {} }), 'collection_name');
    expectValidation(await inject({ method: 'PUT', url: '/aliases/x', payload: { collection_name: '' } }), 'collection_name');
    expectValidation(await inject({ method: 'PUT', url: '/aliases/x', payload: { collection_name: 3 } }), 'collection_name');
  });
});

describe('body limits', () => {
  it('a JSON body over the limit is 413; an import over its own limit is 413', async () => {
    const small = await buildHarness({ bodyLimit: 2048, maxImportBytes: 4096 });
    try {
      const big = { operation: 'create', document: doc({ comment: 'x'.repeat(4000) }) };
      const res = await small.app.inject({ method: 'POST', url: '/documents/sync', headers: auth, payload: big });
      expectEnvelope(res, 'PAYLOAD_TOO_LARGE');
      const searchRes = await small.app.inject({ method: 'POST', url: '/search', headers: auth, payload: { q: 'x'.repeat(3000), query_by: 'comment' } });
      expectEnvelope(searchRes, 'PAYLOAD_TOO_LARGE');

      // The import route has its own (larger) limit: 3 KB passes, 5 KB doesn't.
      const line = (i: number, size: number) => JSON.stringify(doc({ id: `big_${i}`, comment: 'y'.repeat(size) }));
      const ok = await small.app.inject({ method: 'POST', url: '/collections/story_a/documents/import', headers: { ...auth, 'content-type': 'text/plain' }, payload: line(1, 2800) });
      expect(ok.statusCode, ok.body).toBe(200);
      const tooBig = await small.app.inject({ method: 'POST', url: '/collections/story_a/documents/import', headers: { ...auth, 'content-type': 'text/plain' }, payload: `${line(2, 2500)}\n${line(3, 2500)}` });
      expectEnvelope(tooBig, 'PAYLOAD_TOO_LARGE');
      const tooBigNd = await small.app.inject({ method: 'POST', url: '/collections/story_a/documents/import', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: `${line(4, 2500)}\n${line(5, 2500)}` });
      expectEnvelope(tooBigNd, 'PAYLOAD_TOO_LARGE');
    } finally {
      await small.close();
    }
  });
});

describe('paths', () => {
  it('an unknown route is a 404 envelope; a known path with another method (TRACE, PUT) is a 405 with Allow', async () => {
    expectEnvelope(await inject({ url: '/collections/story_a/nope' }), 'NOT_FOUND');
    for (const method of ['PUT', 'TRACE'] as const) {
      const res = await inject({ method, url: '/collections/story_a' });
      expectEnvelope(res, 'METHOD_NOT_ALLOWED');
      expect(res.headers.allow).toBe('GET, HEAD, PATCH, DELETE');
    }
    expectEnvelope(await inject({ method: 'TRACE', url: '/health' }), 'METHOD_NOT_ALLOWED');
  });

  it('a malformed path is a 4xx envelope, never a 500', async () => {
    const res = await inject({ url: '/collections/%E0%A4%A/documents/1' });
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
  });
});
