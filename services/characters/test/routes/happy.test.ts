import Database from 'better-sqlite3';
import { openTestService, type TestService } from '@fountain/service/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characters } from '../../src/service.ts';
import { call } from './route-table.test-support.ts';

let s: TestService;
beforeAll(async () => {
  s = await openTestService(characters);
});
afterAll(async () => {
  await s.close();
});
type Found = { found: number; hits: Array<{ document: Record<string, unknown> }> };
const search = async (query: string): Promise<Found> => {
  const res = await call(s, 'GET', `/search?${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Found>();
};

describe('characters: CRUD', () => {
  it('creates a character (201), with defaults, and reads it back', async () => {
    const res = await call(s, 'POST', '/characters', { name: 'Elias', description: 'The lighthouse keeper', tags: ['keeper', 'protagonist'], scriptId: 1 });
    expect(res.statusCode, res.body).toBe(201);
    const c = res.json<Record<string, unknown>>();
    expect(c).toMatchObject({ characterId: 1, name: 'Elias', description: 'The lighthouse keeper', dialogueText: '', tags: ['keeper', 'protagonist'], scriptId: 1 });
    expect(c.createdAt).toBe(c.updatedAt);
    expect((await call(s, 'GET', '/characters/1')).json()).toEqual(c);
  });

  it('lists characters, paged and filtered by scriptId', async () => {
    for (const name of ['Mara', 'Tobin']) expect((await call(s, 'POST', '/characters', { name, scriptId: 2 })).statusCode).toBe(201);
    const page = await call(s, 'GET', '/characters?per_page=2&page=1');
    expect(page.json()).toMatchObject({ page: 1, perPage: 2, found: 3 });
    expect(page.json<{ characters: unknown[] }>().characters).toHaveLength(2);
    const script2 = (await call(s, 'GET', '/characters?scriptId=2')).json<{ characters: Array<{ name: string }>; found: number }>();
    expect(script2.found).toBe(2);
    expect(script2.characters.map((c) => c.name)).toEqual(['Mara', 'Tobin']);
  });

  it('PATCH changes only what it names; PUT replaces, resetting what it leaves out to the default', async () => {
    const patched = await call(s, 'PATCH', '/characters/1', { dialogueText: 'The light must not go out.' });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Elias', description: 'The lighthouse keeper', dialogueText: 'The light must not go out.', tags: ['keeper', 'protagonist'] });
    const put = await call(s, 'PUT', '/characters/2', { name: 'Mara Vell' });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ characterId: 2, name: 'Mara Vell', description: '', tags: [] });
    expect(put.json()).not.toHaveProperty('scriptId');
  });

  it('deletes (204), then the character is gone (404)', async () => {
    expect((await call(s, 'DELETE', '/characters/3')).statusCode).toBe(204);
    expect((await call(s, 'GET', '/characters/3')).statusCode).toBe(404);
  });
});

describe('characters: search', () => {
  it('with Prefer: wait-for-index a write is searchable when it answers; tags are a facet', async () => {
    const res = await call(s, 'POST', '/characters', { name: 'Wren', dialogueText: 'Albatross over the bay!', tags: ['sailor'] }, { prefer: 'wait-for-index' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers['preference-applied']).toBe('wait-for-index');
    const r = await search('q=albatross');
    expect(r.found).toBe(1);
    expect(r.hits[0]!.document).toMatchObject({ id: String(res.json<{ characterId: number }>().characterId), name: 'Wren', tags: ['sailor'] });
    const faceted = await search('q=*&facet_by=tags&filter_by=tags:=[sailor]');
    expect(faceted.found).toBe(1);
  });

  it('deletes and edits reach search', async () => {
    await call(s, 'PATCH', '/characters/1', { description: 'Keeper of the northern light' }, { prefer: 'wait-for-index' });
    expect((await search('q=northern')).found).toBe(1);
    await call(s, 'DELETE', '/characters/1', undefined, { prefer: 'wait-for-index' });
    expect((await search('q=northern')).found).toBe(0);
  });

  it("seeds/004's scenario: a column added on the running service is a filterable field within seconds, no restart", async () => {
    const other = new Database(s.dbPath);
    other.pragma('busy_timeout = 5000');
    other.exec('ALTER TABLE characters ADD COLUMN age INTEGER');
    other.prepare("UPDATE characters SET age = 61, updatedAt = 'x' WHERE name = 'Wren'").run();
    other.close();
    const started = Date.now();
    let r: Found = { found: 0, hits: [] };
    while (Date.now() - started < 10_000) {
      const res = await call(s, 'GET', '/search?q=*&filter_by=age:>60');
      if (res.statusCode === 200 && (r = res.json<Found>()).found === 1) break;
      await new Promise((done) => setTimeout(done, 50));
    }
    expect(r.found).toBe(1);
    expect(r.hits[0]!.document).toMatchObject({ name: 'Wren', age: 61 });
    // And the API answers the new column too, with no code change.
    expect((await call(s, 'GET', `/characters/${String(r.hits[0]!.document.id)}`)).json()).toMatchObject({ age: 61 });
  });
});

describe('characters: ops', () => {
  it('/ready reports the database and the relay; /metrics has sync metrics; /docs lists the routes', async () => {
    expect((await s.app.inject({ url: '/ready' })).json()).toMatchObject({ status: 'ready', checks: { database: true, sync_relay: true } });
    expect((await s.app.inject({ url: '/metrics' })).body).toContain('sync_outbox_depth');
    const doc = (await s.app.inject({ url: '/docs/json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/characters', '/characters/{id}', '/search', '/sync/dead-letters']));
  });
});
