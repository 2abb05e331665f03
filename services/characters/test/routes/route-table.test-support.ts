/** The Character Service on a temp database and a real embedded engine, and its route table. */
import { call, type RouteCase, type TestService } from '@fountain/service/test-support';
import { expect } from 'vitest';

export { call };

/** Creates character n (name `c<n>`), expecting a 201. */
export const create = async (s: TestService, n: number): Promise<void> => {
  const res = await call(s, 'POST', '/characters', { characterId: n + 10_000, name: `c${n}` });
  expect(res.statusCode, res.body).toBe(201);
};

/** Every authenticated route, with a valid sample request. */
export const ROUTES: RouteCase[] = [
  { method: 'POST', route: '/characters', url: () => '/characters', body: (n) => ({ name: `new ${n}` }), ok: 201 },
  { method: 'GET', route: '/characters', url: () => '/characters', ok: 200 },
  { method: 'GET', route: '/characters/{id}', url: (n) => `/characters/${n + 10_000}`, setup: create, ok: 200 },
  { method: 'PUT', route: '/characters/{id}', url: (n) => `/characters/${n + 10_000}`, body: (n) => ({ name: `renamed ${n}` }), setup: create, ok: 200 },
  { method: 'PATCH', route: '/characters/{id}', url: (n) => `/characters/${n + 10_000}`, body: () => ({ description: 'changed' }), setup: create, ok: 200 },
  { method: 'DELETE', route: '/characters/{id}', url: (n) => `/characters/${n + 10_000}`, setup: create, ok: 204 },
  { method: 'GET', route: '/search', url: () => '/search?q=*', ok: 200 },
];
