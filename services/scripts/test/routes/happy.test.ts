import { openTestService, type TestService } from '@fountain/service/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scripts } from '../../src/service.ts';
import { call } from './route-table.test-support.ts';

let s: TestService;
beforeAll(async () => {
  s = await openTestService(scripts);
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
const lighthouse = {
  title: 'The Lighthouse',
  author: 'Ada Quill',
  logline: 'A keeper waits out the storm of the century.',
  sections: [{ heading: 'Act I', text: 'The lamp flickers over the cormorant rocks.' }],
  elements: [{ elementType: 'script', elementId: 1 }, { elementType: 'section', elementId: 4 }],
};

describe('scripts: CRUD', () => {
  it('creates a draft (201) linked to sequence elements, and reads it back', async () => {
    const res = await call(s, 'POST', '/scripts', lighthouse);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ scriptId: 1, ...lighthouse, status: 'draft' });
    expect((await call(s, 'GET', '/scripts/1')).json()).toEqual(res.json());
  });

  it('moves through its statuses with PATCH; lists filter by status and author', async () => {
    expect((await call(s, 'POST', '/scripts', { title: 'Second Light', author: 'Ada Quill' })).statusCode).toBe(201);
    const revised = await call(s, 'PATCH', '/scripts/1', { status: 'revised' });
    expect(revised.json()).toMatchObject({ status: 'revised', title: 'The Lighthouse', elements: lighthouse.elements });
    expect(revised.json<{ updatedAt: string; createdAt: string }>().updatedAt >= revised.json<{ createdAt: string }>().createdAt).toBe(true);
    expect((await call(s, 'GET', '/scripts?status=revised')).json()).toMatchObject({ found: 1 });
    const byAuthor = await call(s, 'GET', '/scripts?author=Ada%20Quill&per_page=1');
    expect(byAuthor.json(), byAuthor.body).toMatchObject({ found: 2, perPage: 1 });
  });

  it('PUT replaces; DELETE removes', async () => {
    const put = await call(s, 'PUT', '/scripts/2', { title: 'Second Light', author: 'Ada Quill', status: 'final' });
    expect(put.json()).toMatchObject({ status: 'final', sections: [], elements: [], logline: '' });
    expect((await call(s, 'DELETE', '/scripts/2')).statusCode).toBe(204);
    expect((await call(s, 'GET', '/scripts/2')).statusCode).toBe(404);
  });
});

describe('scripts: search', () => {
  it('finds a script by its sections, and by a linked sequence element (elementRefs)', async () => {
    await call(s, 'PATCH', '/scripts/1', { logline: 'A keeper and the storm.' }, { prefer: 'wait-for-index' });
    const r = await search('q=cormorant');
    expect(r.found).toBe(1);
    expect(r.hits[0]!.document).toMatchObject({ id: '1', title: 'The Lighthouse', status: 'revised', elementRefs: ['script:1', 'section:4'] });
    expect((await search('q=*&filter_by=elementRefs:=[section:4]')).found).toBe(1);
    expect((await search('q=*&filter_by=elementRefs:=[section:5]')).found).toBe(0);
  });
});
