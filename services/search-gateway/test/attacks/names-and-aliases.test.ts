/**
 * Issue 8's attacks on the gateway, each test named for its attack, on both backends: the embedded
 * engine and a real Typesense (through the typesense backend, the official client's HTTP layer
 * included). Item 1: names and ids that an HTTP client resolves (`.`, `..`) or can't encode; item 5:
 * aliases that point outside a key's scope; item 7: Typesense error text that is not JSON.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSegmentAttacks, sendRaw, startTypesense, typesenseAvailable, type TypesenseServer } from '@fountain/testing';
import { seedCollectionSchema } from '../../src/domain/seed-schema.ts';
import { FIXTURE_DOCS, KEY, buildHarness, expectEnvelope, expectValidation, withKey, type Harness } from '../routes/harness.test-support.ts';
import { ROUTES, expectFixturesIntact, gatewayChecks } from '../routes/route-table.test-support.ts';

const BACKENDS = ['embedded', ...(typesenseAvailable() ? ['typesense'] : [])] as const;

describe.each(BACKENDS)('on the %s backend', (backend) => {
  let ts: TypesenseServer | undefined;
  let h: Harness;
  beforeAll(async () => {
    if (backend === 'typesense') ts = await startTypesense();
    h = await buildHarness(ts ? { typesense: ts } : {});
    for (const name of ['victim_a', 'victim_b', 'other_secret']) {
      await h.backend.createCollection(seedCollectionSchema(name));
      await h.backend.importDocuments(name, FIXTURE_DOCS.map((d) => JSON.stringify(d)).join('\n'), { action: 'create' });
    }
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await ts?.stop();
  });

  const json = (body: unknown) => ({ payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  const victimsIntact = async () => {
    for (const name of ['victim_a', 'victim_b']) {
      expect((await h.backend.getCollection(name)).num_documents, name).toBe(FIXTURE_DOCS.length);
    }
    await expectFixturesIntact(h);
  };

  describe('item 1: path segments an HTTP client would resolve', () => {
    it('document id `..` with a documents:delete key does not delete the collection (DELETE .../documents/%2E%2E and /..)', async () => {
      for (const seg of ['%2E%2E', '..', '.', '%2e']) {
        const res = await sendRaw(h.app, 'DELETE', `/collections/victim_a/documents/${seg}`, withKey(KEY.victimDeleter));
        expect(res.statusCode, `${seg}: ${res.body}`).toBe(400);
        expect(res.json<{ errorCode: string; message: string }>()).toMatchObject({ errorCode: 'VALIDATION_ERROR' });
        expect(res.body).toContain('params/id');
      }
      await victimsIntact();
    });

    it('document id `..` through POST /documents/sync delete does not delete the collection', async () => {
      for (const id of ['..', '.']) {
        const res = await h.app.inject({
          method: 'POST',
          url: '/documents/sync',
          ...json({ operation: 'delete', document_id: id, collection: 'victim_b' }),
          headers: withKey(KEY.victimDeleter, { 'content-type': 'application/json' }),
        });
        expectValidation(res, 'document_id');
      }
      await victimsIntact();
    });

    it('GET on id `..` does not answer the schema, and GET /collections/%2E does not list every collection', async () => {
      for (const path of ['/collections/victim_a/documents/..', '/collections/victim_a/documents/%2E%2E', '/collections/%2E', '/collections/.', '/aliases/%2E%2E']) {
        const res = await sendRaw(h.app, 'GET', path, withKey(KEY.full));
        expect(res.statusCode, `${path}: ${res.body}`).toBe(400);
        expect(res.body).not.toContain('"fields"');
      }
    });

    it('`.`, `..`, %2E%2E, %2F, `\\` and a lone surrogate in every path segment of every route answer a 4xx envelope', async () => {
      const answers: string[] = [];
      for (const route of ROUTES.filter((r) => r.route.includes(':'))) answers.push(...(await checkSegmentAttacks(gatewayChecks(h), route)));
      expect(answers.length).toBeGreaterThan(100);
      await victimsIntact();
    });

    it('`.`, `..`, `/` and lone surrogates as names in JSON bodies are 400s naming the field', async () => {
      const cases: Array<{ url: string; body: unknown; field: string }> = [];
      for (const bad of ['.', '..', 'a/b', '\ud800']) {
        cases.push(
          { url: '/documents/sync', body: { operation: 'delete', document_id: bad, collection: 'victim_a' }, field: 'document_id' },
          { url: '/documents/sync', body: { operation: 'delete', document_id: '1_1', collection: bad }, field: 'collection' },
          { url: '/search', body: { q: '*', query_by: 'comment', collection: bad }, field: 'collection' },
          { url: '/multi_search', body: { searches: [{ collection: bad, q: '*', query_by: 'comment' }] }, field: 'collection' },
        );
        // A `/` is legal in a document's own id (it is percent-encoded in any path), so only the others.
        if (bad === 'a/b') continue;
        cases.push(
          { url: '/documents/sync', body: { operation: 'create', document: { ...FIXTURE_DOCS[0], id: bad }, collection: 'victim_a' }, field: 'id' },
          { url: '/collections/victim_a/documents', body: { ...FIXTURE_DOCS[0], id: bad }, field: 'id' },
        );
      }
      for (const c of cases) {
        const res = await h.app.inject({ method: 'POST', url: c.url, ...json(c.body), headers: withKey(KEY.full, { 'content-type': 'application/json' }) });
        expect(res.statusCode, `${c.url} ${JSON.stringify(c.body)}: ${res.body}`).toBe(400);
        expectValidation(res, c.field);
      }
      const alias = await h.app.inject({ method: 'PUT', url: '/aliases/victim_alias', ...json({ collection_name: '..' }), headers: withKey(KEY.full, { 'content-type': 'application/json' }) });
      expectValidation(alias, 'collection_name');
      await victimsIntact();
    });
  });

  describe('item 7: Typesense error text that is not JSON', () => {
    it('an id with `\\` or `"` is a 404 envelope, not a 500', async () => {
      for (const id of ['a%5Cx', '%5C', 'a%22b', 'a%5Cx%22%7D']) {
        for (const method of ['GET', 'DELETE'] as const) {
          const res = await h.app.inject({ method, url: `/collections/victim_a/documents/${id}`, headers: withKey(KEY.full) });
          expectEnvelope(res, 'NOT_FOUND');
        }
      }
      const sync = await h.app.inject({
        method: 'POST',
        url: '/documents/sync',
        ...json({ operation: 'delete', document_id: 'x\\y"z', collection: 'victim_a' }),
        headers: withKey(KEY.full, { 'content-type': 'application/json' }),
      });
      expectEnvelope(sync, 'NOT_FOUND');
    });

    it('a search on collection `.` or `a\\x` is a 4xx envelope, not a 500', async () => {
      expectEnvelope(await sendRaw(h.app, 'GET', '/collections/./documents/search?q=*&query_by=comment', withKey(KEY.full)) as never, 'VALIDATION_ERROR');
      expectEnvelope(await h.app.inject({ url: '/collections/a%5Cx/documents/search?q=*&query_by=comment', headers: withKey(KEY.full) }), 'NOT_FOUND');
      const seed = await h.app.inject({ method: 'POST', url: '/search', ...json({ q: '*', query_by: 'comment', collection: 'a\\x"' }), headers: withKey(KEY.full, { 'content-type': 'application/json' }) });
      expectEnvelope(seed, 'NOT_FOUND');
    });
  });

  describe("item 5: an alias does not widen a key's scope", () => {
    const seqKey = () => withKey(KEY.sequence, { 'content-type': 'application/json' });
    beforeAll(async () => {
      // A full key points `sequence_pub` (inside the sequence key's scope) at `other_secret` (outside).
      const res = await h.app.inject({ method: 'PUT', url: '/aliases/sequence_pub', ...json({ collection_name: 'other_secret' }), headers: withKey(KEY.full, { 'content-type': 'application/json' }) });
      expect(res.statusCode, res.body).toBe(200);
      const own = await h.app.inject({ method: 'PUT', url: '/aliases/sequence_own', ...json({ collection_name: 'sequence_a' }), headers: withKey(KEY.full, { 'content-type': 'application/json' }) });
      expect(own.statusCode, own.body).toBe(200);
    });

    const doc = (id: string) => JSON.stringify({ ...FIXTURE_DOCS[0], id });
    const attacks: Array<{ name: string; method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; body?: unknown; text?: string }> = [
      { name: 'search', method: 'GET', url: '/collections/sequence_pub/documents/search?q=*&query_by=comment' },
      { name: 'seed /search', method: 'POST', url: '/search', body: { q: '*', query_by: 'comment', collection: 'sequence_pub' } },
      { name: 'multi_search', method: 'POST', url: '/multi_search', body: { searches: [{ collection: 'sequence_pub', q: '*', query_by: 'comment' }] } },
      { name: 'multi_search (collection in the query)', method: 'POST', url: '/multi_search?collection=sequence_pub', body: { searches: [{ q: '*', query_by: 'comment' }] } },
      { name: 'documents get', method: 'GET', url: '/collections/sequence_pub/documents/1_1' },
      { name: 'documents create', method: 'POST', url: '/collections/sequence_pub/documents', body: { ...FIXTURE_DOCS[0], id: 'planted' } },
      { name: 'documents upsert', method: 'POST', url: '/collections/sequence_pub/documents?action=upsert', body: { ...FIXTURE_DOCS[0], id: '1_1', comment: 'overwritten' } },
      { name: 'documents update', method: 'PATCH', url: '/collections/sequence_pub/documents/1_1', body: { comment: 'overwritten' } },
      { name: 'documents delete', method: 'DELETE', url: '/collections/sequence_pub/documents/1_1' },
      { name: 'documents delete by filter', method: 'DELETE', url: `/collections/sequence_pub/documents?filter_by=${encodeURIComponent('element_id:>0')}` },
      { name: 'documents import', method: 'POST', url: '/collections/sequence_pub/documents/import?action=upsert', text: doc('planted') },
      { name: 'documents export', method: 'GET', url: '/collections/sequence_pub/documents/export' },
      { name: 'seed sync create', method: 'POST', url: '/documents/sync', body: { operation: 'create', document: { ...FIXTURE_DOCS[0], id: 'planted' }, collection: 'sequence_pub' } },
      { name: 'seed sync delete', method: 'POST', url: '/documents/sync', body: { operation: 'delete', document_id: '1_1', collection: 'sequence_pub' } },
      { name: 'collections get', method: 'GET', url: '/collections/sequence_pub' },
    ];

    it.each(attacks.map((a) => [a.name, a] as const))('a sequence_* key cannot %s other_secret through alias sequence_pub', async (_name, a) => {
      const res = await h.app.inject({
        method: a.method,
        url: a.url,
        headers: a.text !== undefined ? withKey(KEY.sequence, { 'content-type': 'text/plain' }) : seqKey(),
        ...(a.text !== undefined ? { payload: a.text } : a.body !== undefined ? { payload: JSON.stringify(a.body) } : {}),
      });
      const body = expectEnvelope(res, 'FORBIDDEN');
      expect(body.message).toContain("'other_secret'");
      // Nothing was read, written or removed.
      expect(res.body).not.toContain('First script element');
      const docs = (await h.backend.exportDocuments('other_secret', {})).trim().split('\n');
      expect(docs).toHaveLength(FIXTURE_DOCS.length);
      expect(docs.join('\n')).not.toMatch(/planted|overwritten/);
    });

    it('the same key still works through an alias to its own collection (sequence_own -> sequence_a)', async () => {
      const search = await h.app.inject({ url: '/collections/sequence_own/documents/search?q=*&query_by=comment', headers: seqKey() });
      expect(search.statusCode, search.body).toBe(200);
      expect(search.json<{ found: number }>().found).toBeGreaterThanOrEqual(FIXTURE_DOCS.length);
      const get = await h.app.inject({ url: '/collections/sequence_own/documents/1_1', headers: seqKey() });
      expect(get.statusCode, get.body).toBe(200);
      const multi = await h.app.inject({ method: 'POST', url: '/multi_search', ...json({ searches: [{ collection: 'sequence_own', q: '*', query_by: 'comment' }] }), headers: seqKey() });
      expect(multi.statusCode, multi.body).toBe(200);
    });

    it('repointing the alias is seen at once by the next request', async () => {
      const repoint = await h.app.inject({ method: 'PUT', url: '/aliases/sequence_own', ...json({ collection_name: 'other_secret' }), headers: withKey(KEY.full, { 'content-type': 'application/json' }) });
      expect(repoint.statusCode).toBe(200);
      expectEnvelope(await h.app.inject({ url: '/collections/sequence_own/documents/1_1', headers: seqKey() }), 'FORBIDDEN');
      await h.app.inject({ method: 'PUT', url: '/aliases/sequence_own', ...json({ collection_name: 'sequence_a' }), headers: withKey(KEY.full, { 'content-type': 'application/json' }) });
    });

    it('GET /aliases does not show the key an alias whose target is outside its scope', async () => {
      const res = await h.app.inject({ url: '/aliases', headers: withKey(KEY.sequenceAdmin) });
      const names = res.json<{ aliases: Array<{ name: string }> }>().aliases.map((a) => a.name);
      expect(names).not.toContain('sequence_pub');
    });
  });
});
