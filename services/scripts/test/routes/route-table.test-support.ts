/** The route table of Core Script Management, and a keyed JSON request. */
import { call, type RouteCase, type TestService } from '@fountain/service/test-support';
import { expect } from 'vitest';

export { call };

/** Creates script n, expecting a 201. */
export const create = async (s: TestService, n: number): Promise<void> => {
  const res = await call(s, 'POST', '/scripts', { scriptId: n + 10_000, title: `t${n}`, author: 'a' });
  expect(res.statusCode, res.body).toBe(201);
};

/** Every authenticated route, with a valid sample request. */
export const ROUTES: RouteCase[] = [
  { method: 'POST', route: '/scripts', url: () => '/scripts', body: (n) => ({ title: `new ${n}`, author: 'b' }), ok: 201 },
  { method: 'GET', route: '/scripts', url: () => '/scripts', ok: 200 },
  { method: 'GET', route: '/scripts/{id}', url: (n) => `/scripts/${n + 10_000}`, setup: create, ok: 200 },
  { method: 'PUT', route: '/scripts/{id}', url: (n) => `/scripts/${n + 10_000}`, body: (n) => ({ title: `renamed ${n}`, author: 'a' }), setup: create, ok: 200 },
  { method: 'PATCH', route: '/scripts/{id}', url: (n) => `/scripts/${n + 10_000}`, body: () => ({ status: 'final' }), setup: create, ok: 200 },
  { method: 'DELETE', route: '/scripts/{id}', url: (n) => `/scripts/${n + 10_000}`, setup: create, ok: 204 },
  { method: 'GET', route: '/search', url: () => '/search?q=*', ok: 200 },
];
