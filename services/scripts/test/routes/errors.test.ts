import { expectEnvelope } from '@fountain/testing';
import { openTestService, type TestService } from '@fountain/service/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scripts } from '../../src/service.ts';
import { call } from './route-table.test-support.ts';

let s: TestService;
beforeAll(async () => {
  s = await openTestService(scripts);
  expect((await call(s, 'POST', '/scripts', { scriptId: 3, title: 'The Lighthouse', author: 'Ada Quill' })).statusCode).toBe(201);
});
afterAll(async () => {
  await s.close();
});
const expectNamed = (res: Parameters<typeof expectEnvelope>[0], code: Parameters<typeof expectEnvelope>[1], field: string): void => {
  const body = expectEnvelope(res, code);
  expect(`${body.message} ${JSON.stringify(body.details)}`).toContain(field);
};

describe('scripts: errors name the field', () => {
  it('404 for an unknown id', async () => {
    for (const [method, body] of [['GET'], ['PUT', { title: 'x', author: 'y' }], ['PATCH', { status: 'final' }], ['DELETE']] as const) {
      expectNamed(await call(s, method, '/scripts/404', body), 'NOT_FOUND', 'scriptId');
    }
  });

  it('409 for a taken id and for a title the author already has', async () => {
    expectNamed(await call(s, 'POST', '/scripts', { scriptId: 3, title: 'Other', author: 'B' }), 'CONFLICT', 'scriptId');
    const dup = await call(s, 'POST', '/scripts', { title: 'The Lighthouse', author: 'Ada Quill' });
    expectNamed(dup, 'CONFLICT', 'title');
    expectNamed(dup, 'CONFLICT', 'author');
    expect((await call(s, 'POST', '/scripts', { title: 'The Lighthouse', author: 'Someone Else' })).statusCode).toBe(201);
  });

  it('400 for a bad status, a bad element link, a missing title, an unknown field', async () => {
    expectNamed(await call(s, 'POST', '/scripts', { title: 't', author: 'a', status: 'published' }), 'VALIDATION_ERROR', 'status');
    expectNamed(await call(s, 'POST', '/scripts', { title: 't', author: 'a', elements: [{ elementType: 'scene', elementId: 1 }] }), 'VALIDATION_ERROR', 'elementType');
    expectNamed(await call(s, 'POST', '/scripts', { title: 't', author: 'a', elements: [{ elementType: 'script', elementId: 0 }] }), 'VALIDATION_ERROR', 'elementId');
    expectNamed(await call(s, 'POST', '/scripts', { author: 'a' }), 'VALIDATION_ERROR', 'title');
    expectNamed(await call(s, 'POST', '/scripts', { title: 't', author: 'a', sections: [{ heading: 'h' }] }), 'VALIDATION_ERROR', 'text');
    expectNamed(await call(s, 'PATCH', '/scripts/3', { genre: 'noir' }), 'VALIDATION_ERROR', 'genre');
    expectNamed(await call(s, 'GET', '/scripts?status=published'), 'VALIDATION_ERROR', 'status');
  });
});
