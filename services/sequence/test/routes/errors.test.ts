import Database from 'better-sqlite3';
import { DOCUMENT_LIMITS } from '@fountain/kit';
import { MAX_QUERY_TOKENS, type FieldSchema } from '@fountain/search';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, buildHarness, call, COLLECTION, type Harness } from '../harness.test-support.ts';
import { expectEnvelope, expectValidation } from '@fountain/testing';

let h: Harness;
beforeAll(async () => {
  h = await buildHarness();
  for (const id of [1, 2, 3]) await call(h, 'POST', '/sequence', { elementType: 'script', elementId: id, comment: 's' });
  await call(h, 'POST', '/sequence', { elementType: 'section', elementId: 1, comment: 's' });
});
afterAll(async () => {
  await h.close();
});

describe('bad input: 400 naming the field', () => {
  it.each([
    [{ elementId: 1, comment: 'c' }, 'elementType'],
    [{ elementType: 'scene', elementId: 1, comment: 'c' }, 'elementType'],
    [{ elementType: 'script', comment: 'c' }, 'elementId'],
    [{ elementType: 'script', elementId: 0, comment: 'c' }, 'elementId'],
    [{ elementType: 'script', elementId: -3, comment: 'c' }, 'elementId'],
    [{ elementType: 'script', elementId: 1.5, comment: 'c' }, 'elementId'],
    [{ elementType: 'script', elementId: '1', comment: 'c' }, 'elementId'],
    [{ elementType: 'script', elementId: 1 }, 'comment'],
    [{ elementType: 'script', elementId: 1, comment: 7 }, 'comment'],
    [{ elementType: 'script', elementId: 1, comment: 'x'.repeat(10_001) }, 'comment'],
  ])('POST /sequence %j', async (body, field) => {
    expectValidation(await call(h, 'POST', '/sequence', body), field);
  });

  it.each([
    [{ elementType: 'script', elements: [], comment: 'c' }, 'elements'],
    [{ elementType: 'script', elements: [{ elementId: 1 }], comment: 'c' }, 'newSequence'],
    [{ elementType: 'script', elements: [{ elementId: 1, newSequence: 0 }], comment: 'c' }, 'newSequence'],
    [{ elementType: 'script', elements: [{ elementId: 1, newSequence: 2 ** 31 }], comment: 'c' }, 'newSequence'],
    [{ elementType: 'script', elements: [{ elementId: 1, newSequence: 2 }, { elementId: 1, newSequence: 3 }], comment: 'c' }, 'elementId(s) 1'],
    [{ elementType: 'script', elements: [{ elementId: 1, newSequence: 2 }, { elementId: 2, newSequence: 2 }], comment: 'c' }, 'newSequence value(s) 2'],
    [{ elements: [{ elementId: 1, newSequence: 2 }], comment: 'c' }, 'elementType'],
  ])('PUT /sequence/reorder %j', async (body, field) => {
    expectValidation(await call(h, 'PUT', '/sequence/reorder', body), field);
  });

  it.each([
    [{ elementIds: [], newOrder: [] }, 'elementIds'],
    [{ elementIds: [1, 2] }, 'newOrder'],
    [{ elementIds: [1, 1], newOrder: [1, 1] }, 'elementIds: 1'],
    [{ elementIds: [1, 2], newOrder: [2, 3] }, 'newOrder'],
    [{ elementIds: [1, 2], newOrder: [2] }, 'newOrder'],
    // id 1 is a script and a section: the seeds/002 form needs elementType then.
    [{ elementIds: [1, 2], newOrder: [2, 1] }, 'elementType'],
  ])('POST /sequence/reorder %j', async (body, field) => {
    expectValidation(await call(h, 'POST', '/sequence/reorder', body), field);
  });

  it.each([
    [{ elementType: 'script', elementId: 1, comment: 'c' }, 'newVersionData'],
    [{ elementType: 'script', elementId: 1, newVersionData: [1, 2], comment: 'c' }, 'newVersionData'],
    [{ elementType: 'script', elementId: 1, newVersionData: 'text', comment: 'c' }, 'newVersionData'],
    [{ elementType: 'script', elementId: 1, newVersionData: null, comment: 'c' }, 'newVersionData'],
    [{ elementType: 'script', elementId: 1, newVersionData: {} }, 'comment'],
  ])('POST /sequence/version %j', async (body, field) => {
    expectValidation(await call(h, 'POST', '/sequence/version', body), field);
  });

  it.each([
    ['/elements/script?page=0', 'page'],
    ['/elements/script?per_page=251', 'per_page'],
    ['/elements/script?per_page=x', 'per_page'],
    ['/elements/script?sort=x', 'sort'],
    ['/search?page=0', 'page'],
    ['/search?bogus=1', 'bogus'],
  ])('GET %s', async (url, field) => {
    expectValidation(await call(h, 'GET', url), field);
  });

  it('a filter on an unknown field is a 400 from the search engine, never a 500', async () => {
    await h.sync.drain();
    const res = await call(h, 'GET', `/search?q=*&filter_by=${encodeURIComponent('nope:=1')}`);
    expectEnvelope(res, 'VALIDATION_ERROR');
    const res2 = await call(h, 'GET', `/search?q=*&filter_by=${encodeURIComponent('element_type:=`x` || (')}`);
    expect(res2.statusCode).toBe(400);
  });
});

describe('attack: newVersionData nested, wide or long beyond the document bounds (issue 8, item 3)', () => {
  const version = (data: string): Promise<Awaited<ReturnType<typeof call>>> =>
    h.app.inject({
      method: 'POST',
      url: '/sequence/version',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      payload: `{"elementType":"character","elementId":7,"comment":"c","newVersionData":${data}}`,
    });
  beforeAll(async () => {
    await call(h, 'POST', '/sequence', { elementType: 'character', elementId: 7, comment: 'c' });
  });
  const nested = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

  it.each([
    ['nested 5,000 deep (a RangeError 500 before)', nested(5_000), 'maxDepth'],
    ['nested 100,000 deep', '['.repeat(100_000) + ']'.repeat(100_000), 'maxDepth'],
    ['nested 33 deep, one past the bound', nested(33), 'maxDepth'],
    ['10,001 keys', JSON.stringify(Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, i]))), 'maxKeys'],
    ['a string one character over the bound', JSON.stringify({ s: 'x'.repeat(DOCUMENT_LIMITS.maxValueLength + 1) }), 'maxValueLength'],
  ])('%s: 400 naming newVersionData and the bound, nothing written', async (_name, data, limit) => {
    const before = (await call(h, 'GET', '/elements/character/7/versions')).json();
    const res = await version(data);
    const body = expectEnvelope(res, 'VALIDATION_ERROR');
    expect(body.message).toContain('newVersionData');
    expect(body.details).toMatchObject({ field: 'newVersionData', limit });
    expect((await call(h, 'GET', '/elements/character/7/versions')).json()).toEqual(before);
  });

  it('nested 32 deep, at the bound, is a version', async () => {
    expect((await version(nested(32))).statusCode).toBe(201);
  });
});

describe('attack: text that is not valid Unicode or reaches a prototype (issue 8, item 7)', () => {
  const raw = (payload: string) =>
    h.app.inject({ method: 'POST', url: '/sequence', headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' }, payload });

  it('a lone-surrogate comment (stored as invalid UTF-8 before) is a 400 naming body/comment, and nothing is stored', async () => {
    const res = await raw('{"elementType":"script","elementId":424242,"comment":"bad \\ud800 text"}');
    expectValidation(res, 'body/comment');
    expectEnvelope(await call(h, 'GET', '/elements/script/424242'), 'NOT_FOUND');
  });

  it('a `__proto__` key is a 400 naming it, not "Request body is not valid JSON"', async () => {
    const res = await raw('{"elementType":"script","elementId":424243,"comment":"c","newVersionData":{"__proto__":{"admin":true}}}');
    expectValidation(res, 'body/newVersionData/__proto__');
  });
});

describe('attack: long queries through GET /search (issue 8, item 4)', () => {
  it(`a q of ${MAX_QUERY_TOKENS + 1} words is a 400 naming q; ${MAX_QUERY_TOKENS} words within the 2,000 characters answer`, async () => {
    const words = (n: number): string => Array.from({ length: n }, (_, i) => `word${i}x`).join(' ');
    const over = await call(h, 'GET', `/search?q=${encodeURIComponent(words(MAX_QUERY_TOKENS + 1))}`);
    const body = expectEnvelope(over, 'VALIDATION_ERROR');
    expect(body.message).toContain("'q'");
    const at = words(MAX_QUERY_TOKENS).padEnd(2000, ' ');
    expect(at.length).toBe(2000);
    expect((await call(h, 'GET', `/search?q=${encodeURIComponent(at)}`)).statusCode).toBe(200);
  });
});

describe('attack: numbers the index cannot hold (issue 8, item 6)', () => {
  it('an elementId past int32 (2^53-1 was accepted, then dead-lettered) is a 400 naming elementId', async () => {
    for (const elementId of [2 ** 31, Number.MAX_SAFE_INTEGER]) {
      expectValidation(await call(h, 'POST', '/sequence', { elementType: 'action', elementId, comment: 'c' }), 'elementId');
    }
    expect((await call(h, 'POST', '/sequence', { elementType: 'action', elementId: 2 ** 31 - 1, comment: 'c' })).statusCode).toBe(201);
  });

  it('after a reorder to 2147483647 a new element is a 409 naming sequenceNumber (it answered 201 with 2147483648), nothing written', async () => {
    await call(h, 'POST', '/sequence', { elementType: 'spokenWord', elementId: 1, comment: 'c' });
    const moved = await call(h, 'PUT', '/sequence/reorder', { elementType: 'spokenWord', elements: [{ elementId: 1, newSequence: 2 ** 31 - 1 }], comment: 'c' });
    expect(moved.statusCode).toBe(200);
    const res = await call(h, 'POST', '/sequence', { elementType: 'spokenWord', elementId: 2, comment: 'c' });
    const body = expectEnvelope(res, 'CONFLICT');
    expect(body.message).toContain('sequenceNumber');
    expect(body.details).toMatchObject({ field: 'sequenceNumber', next: 2 ** 31, max: 2 ** 31 - 1 });
    expectEnvelope(await call(h, 'GET', '/elements/spokenWord/2'), 'NOT_FOUND');
    await h.sync.drain();
    const dead = await call(h, 'GET', '/sync/dead-letters');
    expect(JSON.stringify(dead.json())).not.toContain('spokenWord');
  });
});

describe('unknown elements: 404 naming them', () => {
  it('reorder names every unknown id and changes nothing', async () => {
    const before = (await call(h, 'GET', '/elements/script')).json();
    const res = await call(h, 'PUT', '/sequence/reorder', {
      elementType: 'script',
      elements: [{ elementId: 1, newSequence: 3 }, { elementId: 3, newSequence: 1 }, { elementId: 41, newSequence: 7 }, { elementId: 42, newSequence: 8 }],
      comment: 'c',
    });
    const body = expectEnvelope(res, 'NOT_FOUND');
    expect(body.message).toContain('41, 42');
    expect(body.details).toMatchObject({ missingElementIds: [41, 42] });
    expect((await call(h, 'GET', '/elements/script')).json()).toEqual(before);
  });

  it('an element of another type is unknown in this type', async () => {
    const res = await call(h, 'PUT', '/sequence/reorder', { elementType: 'section', elements: [{ elementId: 2, newSequence: 5 }], comment: 'c' });
    expect(expectEnvelope(res, 'NOT_FOUND').details).toMatchObject({ missingElementIds: [2] });
  });

  it('the seeds/002 form names unknown ids', async () => {
    const res = await call(h, 'POST', '/sequence/reorder', { elementType: 'script', elementIds: [1, 77], newOrder: [77, 1] });
    expect(expectEnvelope(res, 'NOT_FOUND').details).toMatchObject({ missingElementIds: [77] });
    expectEnvelope(await call(h, 'POST', '/sequence/reorder', { elementIds: [88, 89], newOrder: [89, 88] }), 'NOT_FOUND');
  });

  it('a version of an element without a sequence number', async () => {
    const res = await call(h, 'POST', '/sequence/version', { elementType: 'action', elementId: 5, newVersionData: {}, comment: 'c' });
    expect(expectEnvelope(res, 'NOT_FOUND').message).toContain('POST /sequence');
  });

  it('reads', async () => {
    expectEnvelope(await call(h, 'GET', '/elements/script/99'), 'NOT_FOUND');
    expectEnvelope(await call(h, 'GET', '/elements/script/99/versions'), 'NOT_FOUND');
    expectEnvelope(await call(h, 'GET', '/elements/script/1/versions/2'), 'NOT_FOUND');
    expectEnvelope(await call(h, 'GET', '/elements/scene'), 'VALIDATION_ERROR');
  });
});

describe('conflicts', () => {
  it('a target position held by an element not in the reorder is a 409 naming it, and nothing moves', async () => {
    const before = (await call(h, 'GET', '/elements/script')).json();
    const res = await call(h, 'PUT', '/sequence/reorder', { elementType: 'script', elements: [{ elementId: 1, newSequence: 2 }], comment: 'c' });
    const body = expectEnvelope(res, 'CONFLICT');
    expect(body.details).toMatchObject({ held: [{ elementId: 2, sequenceNumber: 2 }] });
    expect((await call(h, 'GET', '/elements/script')).json()).toEqual(before);
  });

  it('the database itself refuses shared positions and changes to versions', () => {
    const raw = new Database(h.dbPath);
    try {
      expect(() => raw.prepare("UPDATE elements SET sequence_number = 2 WHERE element_type = 'script' AND element_id = 1").run()).toThrow(/UNIQUE/);
      expect(() => raw.prepare("UPDATE element_versions SET data = '{}' WHERE element_type = 'script'").run()).toThrow(/append-only/);
      expect(() => raw.prepare("UPDATE element_versions SET comment = 'x' WHERE element_type = 'script'").run()).toThrow(/append-only/);
      expect(() => raw.prepare('DELETE FROM element_versions').run()).toThrow(/append-only/);
      expect(() => raw.prepare("INSERT INTO elements VALUES ('scene', 1, 9, 'c', 'now', 'now')").run()).toThrow(/CHECK/);
    } finally {
      raw.close();
    }
  });
});

describe('Prefer: wait-for-index past the bound', () => {
  it('answers the seeds\' 502 TypesenseErrorResponse, the write is committed, and without the header writes succeed', async () => {
    const slow = await buildHarness({ indexWaitMs: 150 });
    try {
      await slow.sync.relay.stop(); // the index is unreachable: nothing is indexed any more
      const res = await call(slow, 'POST', '/sequence', { elementType: 'script', elementId: 9, comment: 'c' }, { prefer: 'wait-for-index' });
      expect(res.statusCode, res.body).toBe(502);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['details', 'errorCode', 'message', 'retryAttempt']);
      expect(body.errorCode).toBe('TYPESENSE_SYNC_ERROR');
      expect(Number.isInteger(body.retryAttempt)).toBe(true);
      expect(body.details).toContain('do not repeat');
      expect((await call(slow, 'GET', '/elements/script/9')).statusCode).toBe(200);
      // No header: the write answers at once, whatever the index does.
      const plain = await call(slow, 'POST', '/sequence/version', { elementType: 'script', elementId: 9, newVersionData: {}, comment: 'c' });
      expect(plain.statusCode).toBe(201);
      const reorder = await call(slow, 'PUT', '/sequence/reorder', { elementType: 'script', elements: [{ elementId: 9, newSequence: 4 }], comment: 'c' });
      expect(reorder.statusCode).toBe(200);
      // Readiness reports the stopped relay.
      const ready = await slow.app.inject({ url: '/ready' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.sync_relay).toBe('sync relay stopped');
    } finally {
      await slow.close();
    }
  });
});

describe('Prefer: wait-for-index when the index rejects the write\'s document', () => {
  it('answers the seeds\' 502 naming the rejection, the write is committed, and the dead letter is listed', async () => {
    const h = await buildHarness();
    try {
      // Make the index refuse every version document: its `comment` is a string, the field now an int32.
      const physical = (await h.backend.getAlias(COLLECTION)).collection_name;
      await h.backend.updateCollection(physical, { fields: [{ name: 'comment', drop: true } as FieldSchema, { name: 'comment', type: 'int32' }] });
      const res = await call(h, 'POST', '/sequence', { elementType: 'script', elementId: 5, comment: 'not a number' }, { prefer: 'wait-for-index' });
      expect(res.statusCode, res.body).toBe(502);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['details', 'errorCode', 'message', 'retryAttempt']);
      expect(body.errorCode).toBe('TYPESENSE_SYNC_ERROR');
      expect(body.message).toContain('rejected');
      expect(body.message).toContain('script:5:1');
      expect(body.details).toContain('/sync/dead-letters');
      expect(body.details).toContain('Do not repeat the write');
      // Committed all the same, and the rejection is where the answer says.
      expect((await call(h, 'GET', '/elements/script/5')).statusCode).toBe(200);
      const dead = await call(h, 'GET', '/sync/dead-letters');
      expect(dead.statusCode, dead.body).toBe(200);
      expect(JSON.stringify(dead.json())).toContain('script:5:1');
    } finally {
      await h.close();
    }
  });
});
