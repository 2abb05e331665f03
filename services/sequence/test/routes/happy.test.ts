import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHarness, call, COLLECTION, SERVICE_NAME, type Harness } from '../harness.test-support.ts';

let h: Harness;
beforeAll(async () => {
  h = await buildHarness();
});
afterAll(async () => {
  await h.close();
});

type Doc = Record<string, unknown>;
const search = async (query: string) => {
  const res = await call(h, 'GET', `/search?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ found: number; hits: Array<{ document: Doc }>; facet_counts: Array<{ field_name: string; counts: Array<{ value: string; count: number }> }> }>();
};

describe('POST /sequence', () => {
  it('allocates 1, 2, 3 per type, 201, with the seeds\' comment', async () => {
    for (const [id, n] of [[1, 1], [2, 2], [3, 3]] as const) {
      const res = await call(h, 'POST', '/sequence', { elementType: 'script', elementId: id, comment: 'Test sequence generation.' });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toEqual({ sequenceNumber: n, comment: `Test sequence generation. (Automatically generated for script ${id}.)` });
    }
    // Types are numbered independently; the same id in another type is another element.
    const other = await call(h, 'POST', '/sequence', { elementType: 'section', elementId: 1, comment: 'A section.' });
    expect(other.statusCode).toBe(201);
    expect(other.json().sequenceNumber).toBe(1);
  });

  it('answers an element that already has a number with that number, 200, writing nothing', async () => {
    const before = await call(h, 'GET', '/elements/script/2');
    const res = await call(h, 'POST', '/sequence', { elementType: 'script', elementId: 2, comment: 'again' });
    expect(res.statusCode).toBe(200);
    expect(res.json().sequenceNumber).toBe(2);
    expect(res.json().comment).toContain('already has sequence number 2');
    const after = await call(h, 'GET', '/elements/script/2');
    expect(after.json()).toEqual(before.json());
  });

  it('with Prefer: wait-for-index, answers once the version is searchable', async () => {
    const res = await call(h, 'POST', '/sequence', { elementType: 'character', elementId: 7, comment: 'Zebediah the lighthouse keeper' }, { prefer: 'wait-for-index' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['preference-applied']).toBe('wait-for-index');
    // No sleep, no drain: it is already in the index.
    const r = await search('q=Zebediah&query_by=comment');
    expect(r.found).toBe(1);
    expect(r.hits[0]!.document).toMatchObject({
      id: 'character:7:1',
      element_type: 'character',
      element_id: 7,
      sequence_number: 1,
      version_number: 1,
      comment: 'Zebediah the lighthouse keeper',
      service_name: SERVICE_NAME,
    });
    expect(typeof r.hits[0]!.document.created_at).toBe('string');
    expect(typeof r.hits[0]!.document.updated_at).toBe('string');
  });
});

describe('PUT /sequence/reorder', () => {
  it('swaps positions atomically, answers the seeds\' shape, rewrites only moved elements', async () => {
    await h.sync.drain();
    const unmoved = (await call(h, 'GET', '/elements/script/3')).json();
    const res = await call(h, 'PUT', '/sequence/reorder', {
      elementType: 'script',
      elements: [
        { elementId: 1, newSequence: 2 },
        { elementId: 2, newSequence: 1 },
        { elementId: 3, newSequence: 3 },
      ],
      comment: 'Swap the first two.',
    }, { prefer: 'wait-for-index' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      updatedElements: [
        { elementId: 1, newSequence: 2 },
        { elementId: 2, newSequence: 1 },
        { elementId: 3, newSequence: 3 },
      ],
      comment: 'Swap the first two. (Reordered script elements.)',
    });
    const list = (await call(h, 'GET', '/elements/script')).json<{ elements: Array<{ elementId: number; sequenceNumber: number }> }>();
    expect(list.elements.map((e) => [e.elementId, e.sequenceNumber])).toEqual([[2, 1], [1, 2], [3, 3]]);
    // Element 3 kept its place: not rewritten (same updatedAt).
    expect((await call(h, 'GET', '/elements/script/3')).json()).toEqual(unmoved);
    // The index follows: searchable right away thanks to wait-for-index.
    const r = await search(`q=*&filter_by=${encodeURIComponent('element_type:=script')}&sort_by=sequence_number:asc`);
    expect(r.hits.map((x) => [x.document.element_id, x.document.sequence_number])).toEqual([[2, 1], [1, 2], [3, 3]]);
  });

  it('moves an element to a free position', async () => {
    const res = await call(h, 'PUT', '/sequence/reorder', { elementType: 'script', elements: [{ elementId: 3, newSequence: 10 }], comment: 'to the end' });
    expect(res.statusCode).toBe(200);
    expect((await call(h, 'GET', '/elements/script/3')).json().sequenceNumber).toBe(10);
    // New elements continue after the highest position.
    const next = await call(h, 'POST', '/sequence', { elementType: 'script', elementId: 4, comment: 'four' });
    expect(next.json().sequenceNumber).toBe(11);
  });
});

describe('POST /sequence/reorder (seeds/002 form)', () => {
  it('gives the elements their own positions in the new order and answers only the changed ones', async () => {
    // script positions now: 2->1, 1->2, 3->10, 4->11
    const res = await call(h, 'POST', '/sequence/reorder', { elementType: 'script', elementIds: [1, 2, 3, 4], newOrder: [4, 3, 2, 1] }, { prefer: 'wait-for-index' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({
      reorderedElements: [
        { elementId: 4, oldSequenceNumber: 11, newSequenceNumber: 1 },
        { elementId: 3, oldSequenceNumber: 10, newSequenceNumber: 2 },
        { elementId: 2, oldSequenceNumber: 1, newSequenceNumber: 10 },
        { elementId: 1, oldSequenceNumber: 2, newSequenceNumber: 11 },
      ],
      comment: 'Elements reordered successfully.',
    });
    const list = (await call(h, 'GET', '/elements/script')).json<{ elements: Array<{ elementId: number }> }>();
    expect(list.elements.map((e) => e.elementId)).toEqual([4, 3, 2, 1]);
  });

  it('works without elementType (as in seeds/002) when the ids are found in one type', async () => {
    await call(h, 'POST', '/sequence', { elementType: 'character', elementId: 8, comment: 'Second character.' });
    const res = await call(h, 'POST', '/sequence/reorder', { elementIds: [7, 8], newOrder: [8, 7] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().reorderedElements).toEqual([
      { elementId: 8, oldSequenceNumber: 2, newSequenceNumber: 1 },
      { elementId: 7, oldSequenceNumber: 1, newSequenceNumber: 2 },
    ]);
  });

  it('takes an elementType when the ids exist in several types', async () => {
    const res = await call(h, 'POST', '/sequence/reorder', { elementType: 'section', elementIds: [1], newOrder: [1], comment: 'noop' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ reorderedElements: [], comment: 'noop (Reordered section elements.)' });
  });
});

describe('POST /sequence/version and the reads', () => {
  it('appends versions 2, 3 with their data; one document per version, ids unique across types', async () => {
    for (const n of [2, 3]) {
      const res = await call(h, 'POST', '/sequence/version', {
        elementType: 'section', elementId: 1, newVersionData: { title: `Harbour at dawn, draft ${n}` }, comment: `Draft ${n}.`,
      });
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json()).toEqual({ versionNumber: n, comment: `Draft ${n}. (Created new version for section 1.)` });
    }
    const versions = (await call(h, 'GET', '/elements/section/1/versions')).json();
    expect(versions.found).toBe(3);
    expect(versions.versions.map((v: { versionNumber: number }) => v.versionNumber)).toEqual([1, 2, 3]);
    expect(versions.versions[0].data).toBeNull();
    const v2 = await call(h, 'GET', '/elements/section/1/versions/2');
    expect(v2.json()).toMatchObject({ elementType: 'section', elementId: 1, versionNumber: 2, sequenceNumber: 1, data: { title: 'Harbour at dawn, draft 2' }, comment: 'Draft 2.' });
    expect((await call(h, 'GET', '/elements/section/1')).json()).toMatchObject({ currentVersion: 3, sequenceNumber: 1 });

    await h.sync.drain();
    const r = await search(`q=${encodeURIComponent('harbour')}&query_by=data`);
    expect(r.hits.map((x) => x.document.id).sort()).toEqual(['section:1:2', 'section:1:3']);
    // script 1 and section 1 have distinct documents (the seeds' `1_1` would collide).
    const ones = await search(`q=*&filter_by=${encodeURIComponent('element_id:=1 && version_number:=1')}`);
    expect(ones.hits.map((x) => x.document.id).sort()).toEqual(['script:1:1', 'section:1:1']);
  });

  it('lists elements in sequence order, paged', async () => {
    const p1 = (await call(h, 'GET', '/elements/script?page=1&per_page=3')).json();
    const p2 = (await call(h, 'GET', '/elements/script?page=2&per_page=3')).json();
    expect(p1.found).toBe(4);
    expect(p1.elements.map((e: { elementId: number }) => e.elementId)).toEqual([4, 3, 2]);
    expect(p2.elements.map((e: { elementId: number }) => e.elementId)).toEqual([1]);
    expect(p2).toMatchObject({ page: 2, perPage: 3 });
  });

  it('searches with filters and facets', async () => {
    await h.sync.drain();
    const r = await search('q=*&facet_by=element_type&per_page=50');
    const counts = Object.fromEntries(r.facet_counts[0]!.counts.map((c) => [c.value, c.count]));
    expect(counts).toEqual({ script: 4, section: 3, character: 2 });
    expect(r.found).toBe(9);
  });

  it('the sync collection has the seeds/001 fields plus service_name and data', async () => {
    const c = await h.backend.getCollection(COLLECTION);
    const fields = Object.fromEntries(c.fields.map((f) => [f.name, f.type]));
    expect(fields).toMatchObject({
      element_type: 'string', element_id: 'int32', sequence_number: 'int32', version_number: 'int32',
      comment: 'string', created_at: 'string', updated_at: 'string', service_name: 'string', data: 'string',
    });
    expect(c.default_sorting_field).toBe('sequence_number');
  });
});

describe('ops', () => {
  it('/health, /ready (database and relay), /metrics with sync metrics, /docs', async () => {
    expect((await h.app.inject({ url: '/health' })).json()).toEqual({ status: 'healthy', ok: true });
    const ready = await h.app.inject({ url: '/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { database: true, sync_relay: true } });
    const metrics = (await h.app.inject({ url: '/metrics' })).body;
    expect(metrics).toContain('sync_outbox_depth');
    expect(metrics).toContain('http_requests_total');
    const docs = (await h.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(docs.paths)).toEqual(expect.arrayContaining(['/sequence', '/sequence/reorder', '/sequence/version', '/search']));
  });
});
