import { expectEnvelope } from '@fountain/testing';
import { openTestService, type TestService } from '@fountain/service/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { characters } from '../../src/service.ts';
import { call } from './route-table.test-support.ts';

let s: TestService;
beforeAll(async () => {
  s = await openTestService(characters);
  expect((await call(s, 'POST', '/characters', { characterId: 7, name: 'Elias', scriptId: 1 })).statusCode).toBe(201);
});
afterAll(async () => {
  await s.close();
});
/** A 400 whose message or details name the field. */
const expectNamed = (res: Parameters<typeof expectEnvelope>[0], code: Parameters<typeof expectEnvelope>[1], field: string): void => {
  const body = expectEnvelope(res, code);
  expect(`${body.message} ${JSON.stringify(body.details)}`).toContain(field);
};

describe('characters: errors name the field', () => {
  it('404 for an unknown id, on every route that takes one', async () => {
    for (const [method, body] of [['GET'], ['PUT', { name: 'x' }], ['PATCH', { name: 'x' }], ['DELETE']] as const) {
      expectNamed(await call(s, method, '/characters/999', body), 'NOT_FOUND', 'characterId');
    }
  });

  it('409 for an id that exists, and for a name taken within the script, naming the fields', async () => {
    expectNamed(await call(s, 'POST', '/characters', { characterId: 7, name: 'Other' }), 'CONFLICT', 'characterId');
    const dup = await call(s, 'POST', '/characters', { name: 'Elias', scriptId: 1 });
    expectNamed(dup, 'CONFLICT', 'scriptId');
    expectNamed(dup, 'CONFLICT', 'name');
    // The same name in another script (or in none) is another character.
    expect((await call(s, 'POST', '/characters', { name: 'Elias', scriptId: 2 })).statusCode).toBe(201);
    // A rename into a taken name is the same 409.
    const other = await call(s, 'POST', '/characters', { name: 'Mara', scriptId: 1 });
    expectNamed(await call(s, 'PATCH', `/characters/${other.json<{ characterId: number }>().characterId}`, { name: 'Elias' }), 'CONFLICT', 'name');
  });

  it('400 for a missing, empty or mistyped field, an unknown field, or an empty PATCH', async () => {
    expectNamed(await call(s, 'POST', '/characters', { description: 'no name' }), 'VALIDATION_ERROR', 'name');
    expectNamed(await call(s, 'POST', '/characters', { name: '' }), 'VALIDATION_ERROR', 'name');
    expectNamed(await call(s, 'POST', '/characters', { name: 'x', tags: 'keeper' }), 'VALIDATION_ERROR', 'tags');
    expectNamed(await call(s, 'POST', '/characters', { name: 'x', tags: ['a', 'a'] }), 'VALIDATION_ERROR', 'tags');
    expectNamed(await call(s, 'POST', '/characters', { name: 'x', scriptId: 0 }), 'VALIDATION_ERROR', 'scriptId');
    expectNamed(await call(s, 'POST', '/characters', { name: 'x', age: 3 }), 'VALIDATION_ERROR', 'age');
    expectEnvelope(await call(s, 'PATCH', '/characters/7', {}), 'VALIDATION_ERROR');
    expectNamed(await call(s, 'PUT', '/characters/7', { description: 'no name' }), 'VALIDATION_ERROR', 'name');
  });

  it('400 for bad ids, paging and filters, never a 500', async () => {
    for (const id of ['0', '-1', 'x', '1.5', '99999999999999999999']) expectEnvelope(await call(s, 'GET', `/characters/${id}`), 'VALIDATION_ERROR');
    expectNamed(await call(s, 'GET', '/characters?per_page=0'), 'VALIDATION_ERROR', 'per_page');
    expectNamed(await call(s, 'GET', '/characters?scriptId=abc'), 'VALIDATION_ERROR', 'scriptId');
    expectNamed(await call(s, 'GET', '/characters?name=Elias'), 'VALIDATION_ERROR', 'name');
  });

  it('400 for a bad search, naming the problem', async () => {
    expectEnvelope(await call(s, 'GET', '/search?q=*&filter_by=nosuchfield:=1'), 'VALIDATION_ERROR');
    expectNamed(await call(s, 'GET', '/search?q=*&per_page=0'), 'VALIDATION_ERROR', 'per_page');
    expectNamed(await call(s, 'GET', '/search?q=*&bogus=1'), 'VALIDATION_ERROR', 'bogus');
  });
});
