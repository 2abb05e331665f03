/** The seed endpoints, driven with the seeds' own curl bodies verbatim (seeds/000 section 8c). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_COLLECTION, KEY, buildHarness, withKey, type Harness } from './harness.test-support.ts';

let h: Harness;
beforeAll(async () => {
  h = await buildHarness();
});
afterAll(async () => {
  await h.close();
});

/** The seeds' curl headers, verbatim (seeds/000 section 8c). */
const CURL_HEADERS = { 'Content-Type': 'application/json', 'X-API-KEY': 'your_secure_typesense_service_api_key' };

/** The seeds' curl bodies, byte for byte, whitespace included. */
const CURL_SYNC = `{
           "operation": "create",
           "document": {
               "id": "1_1",
               "element_type": "script",
               "element_id": 1,
               "sequence_number": 1,
               "version_number": 1,
               "comment": "First script element.",
               "service_name": "service_a"
           }
         }`;
const CURL_SEARCH = `{
           "q": "script",
           "query_by": "element_type",
           "filter_by": null,
           "sort_by": "sequence_number:asc",
           "max_hits": 10
         }`;

describe('the seed endpoints (seeds/000 section 8c, verbatim)', () => {
  it('POST /documents/sync with the curl example', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/documents/sync', headers: CURL_HEADERS, payload: CURL_SYNC });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ message: 'Document create operation successful.' });
    await expect(h.backend.getDocument(DEFAULT_COLLECTION, '1_1')).resolves.toMatchObject({ comment: 'First script element.' });
  });

  it('POST /search with the curl example', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/search', headers: CURL_HEADERS, payload: CURL_SEARCH });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json<{ hits: Array<{ document: Record<string, unknown>; text_match: number | null }>; found: number; out_of: number }>();
    expect(Object.keys(body).sort()).toEqual(['found', 'hits', 'out_of']);
    expect(body.found).toBe(2);
    expect(body.out_of).toBe(3);
    expect(body.hits.map((x) => x.document.id)).toEqual(['1_1', '2_1']);
    for (const hit of body.hits) {
      expect(Object.keys(hit).sort()).toEqual(['document', 'text_match']);
      expect(typeof hit.text_match).toBe('number');
    }
    expect(body.hits[0]?.document).toEqual({
      id: '1_1',
      element_type: 'script',
      element_id: 1,
      sequence_number: 1,
      version_number: 1,
      comment: 'First script element.',
      service_name: 'service_a',
    });
  });

  it('sorts descending and filters', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/search',
      headers: withKey(KEY.full),
      payload: { q: '*', query_by: 'comment', filter_by: 'element_type:=script && element_id:>=1', sort_by: 'sequence_number:desc' },
    });
    expect(res.json<{ hits: Array<{ document: { id: string } }> }>().hits.map((x) => x.document.id)).toEqual(['2_1', '1_1']);
  });

  it('update upserts and delete removes through /documents/sync (operation case-insensitive)', async () => {
    const doc = { id: '9_1', element_type: 'scene', element_id: 9, sequence_number: 9, version_number: 1, comment: 'Before.', service_name: 'service_a' };
    const up1 = await h.app.inject({ method: 'POST', url: '/documents/sync', headers: withKey(KEY.full), payload: { operation: 'update', document: doc } });
    expect(up1.json()).toEqual({ message: 'Document update operation successful.' });
    const up2 = await h.app.inject({
      method: 'POST',
      url: '/documents/sync',
      headers: withKey(KEY.full),
      payload: { operation: 'UPDATE', document: { ...doc, comment: 'After.', version_number: 2 } },
    });
    expect(up2.statusCode, up2.body).toBe(200);
    await expect(h.backend.getDocument(DEFAULT_COLLECTION, '9_1')).resolves.toMatchObject({ comment: 'After.', version_number: 2 });
    const del = await h.app.inject({ method: 'POST', url: '/documents/sync', headers: withKey(KEY.full), payload: { operation: 'delete', document_id: '9_1' } });
    expect(del.json()).toEqual({ message: 'Document delete operation successful.' });
    await expect(h.backend.getDocument(DEFAULT_COLLECTION, '9_1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a repeated create is idempotent (an upsert, seeds section 9a)', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await h.app.inject({ method: 'POST', url: '/documents/sync', headers: CURL_HEADERS, payload: CURL_SYNC });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  it('max_hits limits the hits but not found', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/search', headers: withKey(KEY.full), payload: { q: '*', query_by: 'comment', max_hits: 2 } });
    const body = res.json<{ hits: unknown[]; found: number }>();
    expect(body.hits).toHaveLength(2);
    expect(body.found).toBe(3);
  });

  it('collection overrides the default in both endpoints', async () => {
    const doc = { id: 'only_story', element_type: 'note', element_id: 42, sequence_number: 42, version_number: 1, comment: 'Only in story.', service_name: 'service_c' };
    const sync = await h.app.inject({ method: 'POST', url: '/documents/sync', headers: withKey(KEY.full), payload: { operation: 'create', document: doc, collection: 'story_a' } });
    expect(sync.statusCode, sync.body).toBe(200);
    await expect(h.backend.getDocument(DEFAULT_COLLECTION, 'only_story')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const inStory = await h.app.inject({ method: 'POST', url: '/search', headers: withKey(KEY.full), payload: { q: 'note', query_by: 'element_type', collection: 'story_a' } });
    expect(inStory.json<{ found: number }>().found).toBe(1);
    const inDefault = await h.app.inject({ method: 'POST', url: '/search', headers: withKey(KEY.full), payload: { q: 'note', query_by: 'element_type' } });
    expect(inDefault.json<{ found: number }>().found).toBe(0);
  });
});
