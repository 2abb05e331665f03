/** Bad input to the seed endpoints (POST /documents/sync, POST /search): each a 4xx envelope naming the problem. */
import { describe, expect, it } from 'vitest';
import { FIXTURE_DOCS, expectEnvelope, expectValidation, harnessPerFile } from './harness.test-support.ts';

const file = harnessPerFile();
const doc = (extra: Record<string, unknown> = {}) => ({ ...FIXTURE_DOCS[0], id: 'err_1', ...extra });
const inject = file.inject;
const sync = (payload: unknown) => inject({ method: 'POST', url: '/documents/sync', payload: payload as Record<string, unknown> });
const search = (payload: Record<string, unknown>) => inject({ method: 'POST', url: '/search', payload: { q: '*', query_by: 'comment', ...payload } });

describe('POST /documents/sync', () => {
  it('refuses an unknown operation, naming the field', async () => {
    for (const operation of ['upsert', 'remove', '', 'create ']) {
      expectValidation(await sync({ operation, document: doc() }), 'operation');
    }
    expectValidation(await sync({ document: doc() }), 'operation');
    expectValidation(await sync({ operation: 1, document: doc() }), 'operation');
  });

  it('refuses create/update without a document', async () => {
    for (const operation of ['create', 'update']) {
      expectValidation(await sync({ operation }), 'document');
      expectValidation(await sync({ operation, document: null }), 'document');
      expectValidation(await sync({ operation, document: [doc()] }), 'document');
      expectValidation(await sync({ operation, document: 'a string' }), 'document');
    }
  });

  it('refuses a delete without a document_id', async () => {
    expectValidation(await sync({ operation: 'delete' }), 'document_id');
    expectValidation(await sync({ operation: 'delete', document_id: null }), 'document_id');
    expectValidation(await sync({ operation: 'delete', document_id: '' }), 'document_id');
    expectValidation(await sync({ operation: 'delete', document_id: 7 }), 'document_id');
  });

  it('refuses a numeric, missing or empty document.id', async () => {
    expectValidation(await sync({ operation: 'create', document: doc({ id: 1 }) }), 'document.id');
    expectValidation(await sync({ operation: 'create', document: doc({ id: '' }) }), 'document.id');
    const { id: _id, ...noId } = doc();
    expectValidation(await sync({ operation: 'create', document: noId }), 'document.id');
  });

  it('refuses a document the schema rejects, naming the field', async () => {
    const res = await sync({ operation: 'create', document: doc({ element_id: 'one' }) });
    expectValidation(res, 'element_id');
    const { comment: _c, ...missing } = doc();
    expectValidation(await sync({ operation: 'create', document: missing }), 'comment');
  });

  it('an unknown collection is 404, for writes and deletes', async () => {
    expectEnvelope(await sync({ operation: 'create', document: doc(), collection: 'nope' }), 'NOT_FOUND');
    expectEnvelope(await sync({ operation: 'delete', document_id: '1_1', collection: 'nope' }), 'NOT_FOUND');
  });

  it('deleting a missing document is 404', async () => {
    const body = expectEnvelope(await sync({ operation: 'delete', document_id: 'missing_1' }), 'NOT_FOUND');
    expect(body.message).toContain('missing_1');
  });

  it('refuses a body that is not an object', async () => {
    for (const payload of ['[]', '"create"', '42', 'null', 'true']) {
      const res = await inject({ method: 'POST', url: '/documents/sync', headers: { 'content-type': 'application/json' }, payload });
      expectEnvelope(res, 'VALIDATION_ERROR');
    }
  });

  it('refuses an empty body and a body that is not JSON, naming the problem, whatever the content type', async () => {
    expectEnvelope(await inject({ method: 'POST', url: '/documents/sync', headers: { 'content-type': 'application/json' }, payload: '' }), 'VALIDATION_ERROR');
    const xml = await inject({ method: 'POST', url: '/documents/sync', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    expect(expectEnvelope(xml, 'VALIDATION_ERROR').message).toMatch(/^Request body is not valid JSON: /);
    // Lenient about transport: JSON labelled text/plain is still JSON.
    const text = await inject({ method: 'POST', url: '/documents/sync', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ operation: 'create', document: doc() }) });
    expect(text.statusCode, text.body).toBe(200);
  });
});

describe('POST /search', () => {
  it('needs q and query_by', async () => {
    expectValidation(await inject({ method: 'POST', url: '/search', payload: { query_by: 'comment' } }), 'q');
    expectValidation(await inject({ method: 'POST', url: '/search', payload: { q: '*' } }), 'query_by');
    expectValidation(await search({ q: null }), 'q');
    expectValidation(await search({ query_by: '' }), 'query_by');
  });

  it('refuses an unknown query_by field', async () => {
    expectValidation(await search({ query_by: 'nope' }), 'nope');
  });

  it('refuses a malformed filter_by, naming it', async () => {
    for (const filter_by of ['element_id:>', 'element_id:=', '((element_id:=1', 'element_id:=1 &&', 'element_id:=1 ||| element_id:=2', ':=1']) {
      expectValidation(await search({ filter_by }), 'filter_by');
    }
  });

  it('refuses a filter on an unknown field, naming it', async () => {
    expectValidation(await search({ filter_by: 'nope:=1' }), 'nope');
  });

  // Breaking out of a quoted value is the 0.24.1 injection (DESIGN.md): a backtick inside a value.
  const INJECTIONS = [
    'comment:=x` || element_type:=`script',
    'comment:=`x`` || element_type:=script`',
    'comment:=[`x` || element_type:=`script`]',
    'element_type:=script`',
    'element_type:=`script',
    'comment:=`a`b` && service_name:=`c`',
  ];

  it('refuses a backtick inside a value (the injection), naming filter_by', async () => {
    for (const filter_by of INJECTIONS) {
      const res = await search({ filter_by });
      expect(res.statusCode, `${filter_by}: ${res.body}`).toBe(400);
      expectValidation(res, 'filter_by');
    }
  });

  it('parses a whole backtick-quoted filter structurally: no more than the explicit OR matches', async () => {
    // ``comment:=`x` || element_type:`y` `` is what an injected VALUE produces inside a template; sent
    // whole as filter_by it is ordinary Typesense syntax the caller is entitled to, so it is parsed
    // into two clauses and re-rendered in the bracketed form, not refused.
    const quoted = await search({ filter_by: 'comment:=`x` || element_type:`scene`' });
    const plain = await search({ filter_by: 'comment:=[x] || element_type:[scene]' });
    expect(quoted.statusCode, quoted.body).toBe(200);
    expect(quoted.json<{ found: number }>().found).toBe(plain.json<{ found: number }>().found);
    expect(quoted.json<{ hits: Array<{ document: { id: string } }> }>().hits.map((x) => x.document.id)).toEqual(['3_1']);
  });

  it('refuses a bad sort_by', async () => {
    for (const sort_by of ['nope:asc', 'sequence_number:sideways', 'comment:asc', 'sequence_number:asc,element_id:asc,version_number:asc,sequence_number:desc']) {
      expectValidation(await search({ sort_by }), 'sort_by');
    }
  });

  it('refuses max_hits out of 1..250 or not an integer', async () => {
    for (const max_hits of [0, -1, 251, 1000, 2.5, '10']) {
      expectValidation(await search({ max_hits }), 'max_hits');
    }
  });

  it('an unknown collection is 404', async () => {
    expectEnvelope(await search({ collection: 'nope' }), 'NOT_FOUND');
  });
});
