import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedCollectionSchema } from '../../src/domain/seed-schema.ts';
import { FIXTURE_DOCS, KEY, buildHarness, expectEnvelope, expectValidation, withKey, type Harness } from './harness.test-support.ts';

/**
 * Lenient about transport, strict about meaning (DESIGN.md, "Search Gateway API"): the habits of real
 * clients (no Content-Type, curl's form-urlencoded, the Go client's octet-stream, trailing slashes,
 * parameters Typesense ignores) are accepted; what would change a request's meaning is still a 400.
 */

let h: Harness;
beforeAll(async () => {
  h = await buildHarness();
});
afterAll(async () => {
  await h.close();
});

const auth = withKey(KEY.full);
const doc = (id: string, extra: Record<string, unknown> = {}) => ({ ...FIXTURE_DOCS[0], id, ...extra });
const json = (x: unknown) => JSON.stringify(x);

/** Sends a string body with exactly the given Content-Type (none when undefined), as a client would. */
function send(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body: string, contentType?: string) {
  return h.app.inject({ method, url, headers: contentType === undefined ? auth : { ...auth, 'content-type': contentType }, payload: body });
}

describe('bodies are read whatever the Content-Type (the Python client sends none)', () => {
  const TYPES: Array<string | undefined> = [undefined, 'application/x-www-form-urlencoded', 'text/plain', 'application/octet-stream', 'application/json'];

  it.each(TYPES.map((t) => [t ?? 'none', t]))('every body-carrying route, with Content-Type %s', async (label, type) => {
    const c = `ct_${label.replace(/\W/g, '_')}`;
    const created = await send('POST', '/collections', json(seedCollectionSchema(c)), type);
    expect(created.statusCode, created.body).toBe(201);
    const patched = await send('PATCH', `/collections/${c}`, json({ fields: [{ name: 'extra', type: 'string', optional: true }] }), type);
    expect(patched.statusCode, patched.body).toBe(200);
    const one = await send('POST', `/collections/${c}/documents?action=create`, json(doc('a')), type);
    expect(one.statusCode, one.body).toBe(201);
    const upserted = await send('POST', `/collections/${c}/documents?action=upsert`, json(doc('a', { comment: 'upserted' })), type);
    expect(upserted.statusCode, upserted.body).toBe(201);
    const updated = await send('PATCH', `/collections/${c}/documents/a`, json({ version_number: 2 }), type);
    expect(updated.json(), updated.body).toMatchObject({ id: 'a', version_number: 2, comment: 'upserted' });
    const imported = await send('POST', `/collections/${c}/documents/import?action=create`, [json(doc('b')), json(doc('c'))].join('\n'), type);
    expect(imported.body).toBe('{"success":true}\n{"success":true}');
    const alias = await send('PUT', `/aliases/${c}_alias`, json({ collection_name: c }), type);
    expect(alias.json(), alias.body).toEqual({ name: `${c}_alias`, collection_name: c });
    const multi = await send('POST', '/multi_search', json({ searches: [{ collection: c, q: '*', query_by: 'comment' }] }), type);
    expect(multi.json<{ results: Array<{ found: number }> }>().results[0]?.found, multi.body).toBe(3);
    const seedSearch = await send('POST', '/search', json({ q: 'upserted', query_by: 'comment', collection: c }), type);
    expect(seedSearch.json<{ found: number }>().found, seedSearch.body).toBe(1);
    const sync = await send('POST', '/documents/sync', json({ operation: 'delete', document_id: 'c', collection: c }), type);
    expect(sync.statusCode, sync.body).toBe(200);
  });

  it('a one-line JSONL import labelled application/json is JSONL, as in Typesense', async () => {
    const res = await send('POST', '/collections/sequence_a/documents/import?action=upsert', json(doc('json1')), 'application/json');
    expect(res.body).toBe('{"success":true}');
  });

  it('a body that is not JSON is still a 400 naming the problem, whatever the Content-Type', async () => {
    for (const type of TYPES) {
      const res = await send('POST', '/collections/sequence_a/documents', 'id=1&comment=x', type);
      const body = expectEnvelope(res, 'VALIDATION_ERROR');
      expect(body.message, type).toMatch(/^Request body is not valid JSON: /);
    }
    const empty = await send('POST', '/collections/sequence_a/documents', '');
    expectValidation(empty, 'body');
    const emptyImport = await send('POST', '/collections/sequence_a/documents/import', '  \n');
    expect(expectEnvelope(emptyImport, 'VALIDATION_ERROR').message).toContain('empty');
  });
});

describe('a trailing slash is the same route (the Python client writes one)', () => {
  it('POST /collections/:c/documents/ creates, and import/, search/, export/ answer', async () => {
    const created = await send('POST', '/collections/story_a/documents/?action=create', json(doc('slash1')));
    expect(created.statusCode, created.body).toBe(201);
    const imported = await send('POST', '/collections/story_a/documents/import/?action=upsert', json(doc('slash2')));
    expect(imported.body).toBe('{"success":true}');
    const found = await h.app.inject({ url: '/collections/story_a/documents/search/?q=*&query_by=comment', headers: auth });
    expect(found.json<{ found: number }>().found).toBe(FIXTURE_DOCS.length + 2);
    const exported = await h.app.inject({ url: '/collections/story_a/documents/export/', headers: auth });
    expect(exported.body.split('\n')).toHaveLength(FIXTURE_DOCS.length + 2);
    for (const url of ['/collections/', '/collections/story_a/', '/aliases/', '/aliases/story_alias/', '/health/']) {
      expect((await h.app.inject({ url, headers: auth })).statusCode, url).toBe(200);
    }
  });

  it('DELETE /collections/:c/documents/?filter_by= is a delete by filter, not of the empty id', async () => {
    const res = await h.app.inject({ method: 'DELETE', url: `/collections/story_a/documents/?filter_by=${encodeURIComponent('id:[slash1,slash2]')}`, headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ num_deleted: 2 });
  });
});

describe('parameters Typesense accepts and ignores are accepted and ignored', () => {
  it('action on a single-document PATCH is ignored: it is always an update', async () => {
    for (const action of ['update', 'upsert', 'create', 'emplace']) {
      const res = await send('PATCH', `/collections/sequence_a/documents/1_1?action=${action}`, json({ comment: `via ${action}` }));
      expect(res.json(), res.body).toMatchObject({ id: '1_1', comment: `via ${action}`, element_type: 'script' });
    }
    const missing = await send('PATCH', '/collections/sequence_a/documents/nope?action=upsert', json({ comment: 'x' }));
    expectEnvelope(missing, 'NOT_FOUND');
  });

  it('ignore_not_found on deletes is ignored, as 0.24.1 does: a missing document is still a 404', async () => {
    const missing = await h.app.inject({ method: 'DELETE', url: '/collections/sequence_a/documents/nope?ignore_not_found=true', headers: auth });
    expectEnvelope(missing, 'NOT_FOUND');
    const byFilter = await h.app.inject({ method: 'DELETE', url: '/collections/sequence_a/documents?filter_by=element_id:999&ignore_not_found=true', headers: auth });
    expect(byFilter.json(), byFilter.body).toEqual({ num_deleted: 0 });
  });

  it('client-only import options are dropped before the engine', async () => {
    const res = await send('POST', '/collections/sequence_a/documents/import?action=upsert&throwOnFail=false&remote_embedding_batch_size=200', json(doc('imp1')));
    expect(res.body).toBe('{"success":true}');
  });

  it('a dropped field sent with an empty type (the Go client\'s zero value) is dropped', async () => {
    await send('POST', '/collections', json(seedCollectionSchema('go_drop')));
    const res = await send('PATCH', '/collections/go_drop', json({ fields: [{ name: 'comment', drop: true, type: '' }] }));
    expect(res.statusCode, res.body).toBe(200);
    const fields = (await h.app.inject({ url: '/collections/go_drop', headers: auth })).json<{ fields: Array<{ name: string }> }>().fields;
    expect(fields.map((f) => f.name)).not.toContain('comment');
    const emptyType = await send('PATCH', '/collections/go_drop', json({ fields: [{ name: 'extra', type: '' }] }));
    expect(expectEnvelope(emptyType, 'VALIDATION_ERROR').message).toContain('extra');
  });

  it('parameters that would change the meaning are still a 400', async () => {
    expectValidation(await send('PATCH', '/collections/sequence_a/documents/1_1?filter_by=element_id:1', json({ comment: 'x' })), 'filter_by');
    expectValidation(await h.app.inject({ method: 'DELETE', url: '/collections/sequence_a/documents/1_1?purge=true', headers: auth }), 'purge');
    expectValidation(await h.app.inject({ url: '/collections/sequence_a/documents/search?q=*&query_by=comment&group_by=element_type', headers: auth }), 'group_by');
  });
});
