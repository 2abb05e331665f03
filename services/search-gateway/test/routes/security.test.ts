import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@fountain/kit';
import { seedCollectionSchema } from '../../src/domain/seed-schema.ts';
import { describeRouteTable } from '@fountain/testing';
import { KEY, KEY_FORMS, buildHarness, expectEnvelope, fresh, withKey, type Harness } from './harness.test-support.ts';
import { ROUTES, gatewayChecks, send } from './route-table.test-support.ts';

let h: Harness;
beforeAll(async () => {
  h = await buildHarness();
});
afterAll(async () => {
  await h.close();
});

describe('common rules, on every route (the shared route checker)', () => {
  describeRouteTable(ROUTES, () => gatewayChecks(h));

  it('the OpenAPI document declares the search parameters one by one (documents/search, multi_search), so tools can generate them', () => {
    type Op = { parameters?: Array<{ name: string; in: string; required?: boolean }> };
    const spec = h.app.swagger() as { paths: Record<string, Record<string, Op>> };
    const search = spec.paths['/collections/{collection}/documents/search']?.get?.parameters ?? [];
    const names = search.filter((p) => p.in === 'query').map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['q', 'query_by', 'filter_by', 'sort_by', 'page', 'per_page']));
    expect(search.find((p) => p.name === 'q')?.required).toBe(true);
    expect(search.find((p) => p.name === 'page')?.required).toBeFalsy();
    const multi = spec.paths['/multi_search']?.post?.parameters ?? [];
    expect(multi.map((p) => p.name)).toEqual(expect.arrayContaining(['collection', 'q', 'query_by']));
  });

  it('an unknown route without a key is a 401 or a 404', async () => {
    const anonymous = await h.app.inject({ url: '/nope' });
    expect([401, 404]).toContain(anonymous.statusCode);
  });
});

describe('scope isolation: a key scoped to sequence_*', () => {
  const seqDoc = (id: string) => ({ id, element_type: 'script', element_id: 9, sequence_number: 9, version_number: 1, comment: 'x', service_name: 'service_a' });

  it('writes, reads and searches sequence_a through both APIs', async () => {
    const sync = await h.app.inject({
      method: 'POST',
      url: '/documents/sync',
      headers: withKey(KEY.sequence),
      payload: { operation: 'create', document: seqDoc('seq_1'), collection: 'sequence_a' },
    });
    expect(sync.statusCode, sync.body).toBe(200);
    const create = await h.app.inject({ method: 'POST', url: '/collections/sequence_a/documents', headers: withKey(KEY.sequence), payload: seqDoc('seq_2') });
    expect(create.statusCode, create.body).toBe(201);
    const get = await h.app.inject({ url: '/collections/sequence_a/documents/seq_2', headers: withKey(KEY.sequence) });
    expect(get.json()).toMatchObject({ id: 'seq_2' });
    const search = await h.app.inject({
      method: 'POST',
      url: '/search',
      headers: withKey(KEY.sequence),
      payload: { q: '*', query_by: 'comment', collection: 'sequence_a', filter_by: 'element_id:=9' },
    });
    expect(search.statusCode, search.body).toBe(200);
    expect(search.json<{ found: number }>().found).toBe(2);
    const del = await h.app.inject({
      method: 'POST',
      url: '/documents/sync',
      headers: withKey(KEY.sequence),
      payload: { operation: 'delete', document_id: 'seq_1', collection: 'sequence_a' },
    });
    expect(del.statusCode, del.body).toBe(200);
  });

  it('gets 403 on story_a and on the default collection, and nothing is written', async () => {
    const writes = [
      { method: 'POST' as const, url: '/documents/sync', payload: { operation: 'create', document: seqDoc('leak_1'), collection: 'story_a' } },
      { method: 'POST' as const, url: '/documents/sync', payload: { operation: 'create', document: seqDoc('leak_1') } },
      { method: 'POST' as const, url: '/documents/sync', payload: { operation: 'delete', document_id: '1_1', collection: 'story_a' } },
      { method: 'POST' as const, url: '/collections/story_a/documents?action=upsert', payload: seqDoc('leak_1') },
      { method: 'POST' as const, url: '/search', payload: { q: '*', query_by: 'comment', collection: 'story_a' } },
      { method: 'DELETE' as const, url: '/collections/story_a/documents/1_1' },
      { method: 'GET' as const, url: '/collections/story_a' },
      // An alias pointing outside the scope gives no way in either.
      { method: 'GET' as const, url: '/collections/story_alias/documents/search?q=*&query_by=comment' },
    ];
    for (const w of writes) {
      const res = await h.app.inject({ ...w, headers: withKey(KEY.sequence) });
      expectEnvelope(res, 'FORBIDDEN');
    }
    await expect(h.backend.getDocument('story_a', 'leak_1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.backend.getDocument('elements', 'leak_1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(h.backend.getDocument('story_a', '1_1')).resolves.toMatchObject({ id: '1_1' });
  });

  it('multi_search with one slot outside the scope is refused as a whole', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/multi_search',
      headers: withKey(KEY.sequence),
      payload: { searches: [{ collection: 'sequence_a', q: '*', query_by: 'comment' }, { collection: 'story_a', q: '*', query_by: 'comment' }] },
    });
    expect(expectEnvelope(res, 'FORBIDDEN').message).toContain('story_a');
    const viaQuery = await h.app.inject({
      method: 'POST',
      url: '/multi_search?collection=story_a',
      headers: withKey(KEY.sequence),
      payload: { searches: [{ q: '*', query_by: 'comment' }] },
    });
    expectEnvelope(viaQuery, 'FORBIDDEN');
  });

  it('needs collections:list to list; with it, sees only sequence_* collections and aliases', async () => {
    expect(expectEnvelope(await h.app.inject({ url: '/collections', headers: withKey(KEY.sequence) }), 'FORBIDDEN').message).toContain(
      'collections:list',
    );
    const res = await h.app.inject({ url: '/collections', headers: withKey(KEY.sequenceAdmin) });
    expect(res.statusCode).toBe(200);
    const names = res.json<Array<{ name: string }>>().map((c) => c.name);
    expect(names).toContain('sequence_a');
    expect(names.every((n) => n.startsWith('sequence_'))).toBe(true);
    const all = await h.app.inject({ url: '/collections', headers: withKey(KEY.full) });
    expect(all.json<Array<{ name: string }>>().map((c) => c.name)).toEqual(expect.arrayContaining(['elements', 'sequence_a', 'story_a']));

    const aliases = await h.app.inject({ url: '/aliases', headers: withKey(KEY.sequenceAdmin) });
    expect(aliases.json<{ aliases: Array<{ name: string }> }>().aliases.map((a) => a.name)).not.toContain('story_alias');
  });

  it('cannot create an alias sequence_x pointing at story_a, nor repoint one', async () => {
    const res = await h.app.inject({ method: 'PUT', url: '/aliases/sequence_x', headers: withKey(KEY.sequenceAdmin), payload: { collection_name: 'story_a' } });
    expect(expectEnvelope(res, 'FORBIDDEN').message).toContain('story_a');
    // The narrower key lacks aliases:* altogether.
    const narrow = await h.app.inject({ method: 'PUT', url: '/aliases/sequence_x', headers: withKey(KEY.sequence), payload: { collection_name: 'story_a' } });
    expect(expectEnvelope(narrow, 'FORBIDDEN').message).toContain('aliases:create');
    await expect(h.backend.getAlias('sequence_x')).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const own = await h.app.inject({ method: 'PUT', url: '/aliases/sequence_y', headers: withKey(KEY.sequenceAdmin), payload: { collection_name: 'sequence_a' } });
    expect(own.statusCode, own.body).toBe(200);
    const repoint = await h.app.inject({ method: 'PUT', url: '/aliases/sequence_y', headers: withKey(KEY.sequenceAdmin), payload: { collection_name: 'story_a' } });
    expectEnvelope(repoint, 'FORBIDDEN');
    await expect(h.backend.getAlias('sequence_y')).resolves.toMatchObject({ collection_name: 'sequence_a' });
  });

  it('cannot create a collection outside its scope', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/collections', headers: withKey(KEY.sequenceAdmin), payload: seedCollectionSchema('story_b') });
    expectEnvelope(res, 'FORBIDDEN');
    const own = await h.app.inject({ method: 'POST', url: '/collections', headers: withKey(KEY.sequenceAdmin), payload: seedCollectionSchema('sequence_b') });
    expect(own.statusCode, own.body).toBe(201);
  });
});

describe('the search-only key', () => {
  it('can search through every search route', async () => {
    const reqs = [
      { method: 'POST' as const, url: '/search', payload: { q: 'script', query_by: 'element_type' } },
      { method: 'GET' as const, url: '/collections/story_a/documents/search?q=*&query_by=comment' },
      { method: 'POST' as const, url: '/multi_search', payload: { searches: [{ collection: 'story_a', q: '*', query_by: 'comment' }] } },
    ];
    for (const r of reqs) {
      const res = await h.app.inject({ ...r, headers: withKey(KEY.search) });
      expect(res.statusCode, `${r.url}: ${res.body}`).toBe(200);
    }
  });

  it('gets 403 on every other route, import included, and changes nothing', async () => {
    const before = await h.backend.exportDocuments('story_a', {});
    for (const route of ROUTES.filter((r) => r.action !== 'documents:search')) {
      const n = fresh();
      await route.setup?.(h, n);
      const res = await send(h, route, withKey(KEY.search), { n });
      expect(expectEnvelope(res, 'FORBIDDEN').message).toContain(route.action);
    }
    for (const action of ['create', 'upsert', 'update', 'emplace']) {
      const res = await h.app.inject({
        method: 'POST',
        url: `/collections/story_a/documents/import?action=${action}`,
        headers: withKey(KEY.search, { 'content-type': 'text/plain' }),
        payload: '{"id":"x"}',
      });
      expectEnvelope(res, 'FORBIDDEN');
    }
    const sync = await h.app.inject({ method: 'POST', url: '/documents/sync', headers: withKey(KEY.search), payload: { operation: 'delete', document_id: '1_1' } });
    expectEnvelope(sync, 'FORBIDDEN');
    // Deletes done by setup() are the only change; the fixture documents are untouched.
    const after = await h.backend.exportDocuments('story_a', {});
    for (const id of ['1_1', '2_1', '3_1']) {
      expect(before).toContain(`"id":"${id}"`);
      expect(after).toContain(`"id":"${id}"`);
    }
  });
});

describe('secrets never reach the logs', () => {
  it('in any header form, the query string, on success, 401 and 403', async () => {
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger({ name: 'search-gateway', level: 'trace', destination: sink });
    const lh = await buildHarness({ logger });
    try {
      const wrong = 'wrong-key-value-0b9f3a';
      for (const key of [KEY.full, KEY.search, KEY.sequence, wrong]) {
        for (const form of KEY_FORMS) {
          await lh.app.inject({ method: 'POST', url: '/search', headers: form.headers(key), payload: { q: 'script', query_by: 'element_type' } });
          await lh.app.inject({ method: 'POST', url: '/collections/story_a/documents', headers: form.headers(key), payload: { id: `s_${fresh()}`, bad: 1 } });
          await lh.app.inject({ url: '/collections/story_a/documents/1_1', headers: form.headers(key) });
        }
        await lh.app.inject({ url: `/collections/story_a/documents/search?q=*&query_by=comment&x-typesense-api-key=${key}` });
        await lh.app.inject({ url: `/collections?x-typesense-api-key=${key}` });
        await lh.app.inject({ url: `/nope?x-typesense-api-key=${key}` });
      }
    } finally {
      await lh.close();
    }
    const out = chunks.join('');
    expect(out).toContain('incoming request');
    expect(out).toContain('"keyId":"service"');
    for (const value of [KEY.full, KEY.search, KEY.sequence, 'wrong-key-value-0b9f3a']) expect(out).not.toContain(value);
  });

  it('the query-string key form authenticates (as Typesense clients may send it)', async () => {
    const res = await h.app.inject({ url: `/collections/story_a/documents/search?q=*&query_by=comment&x-typesense-api-key=${KEY.search}` });
    expect(res.statusCode, res.body).toBe(200);
    const get = await h.app.inject({ url: `/collections/story_a/documents/1_1?x-typesense-api-key=${KEY.full}` });
    expect(get.statusCode, get.body).toBe(200);
    const post = await h.app.inject({ method: 'POST', url: `/collections/story_a/documents?action=upsert&x-typesense-api-key=${KEY.full}`, payload: { ...{ id: 'qk_1', element_type: 'script', element_id: 1, sequence_number: 1, version_number: 1, comment: 'q', service_name: 's' } } });
    expect(post.statusCode, post.body).toBe(201);
  });
});
