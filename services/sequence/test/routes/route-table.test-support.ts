/**
 * The sequence service's route table (every keyed route, with a valid sample request) and the
 * settings of @fountain/testing's shared route checker for it: one API key (X-API-KEY or Bearer),
 * closed bodies, and ids that are positive int32s of a lower-case type.
 */
import { expect } from 'vitest';
import { apiKeyAuth, type RouteCase, type RouteChecks } from '@fountain/testing';
import { API_KEY, type Harness } from '../harness.test-support.ts';

const create = async (h: Harness, n: number): Promise<void> => {
  const res = await h.app.inject({
    method: 'POST',
    url: '/sequence',
    headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
    payload: JSON.stringify({ elementType: 'action', elementId: n, comment: 'setup' }),
  });
  expect(res.statusCode, res.body).toBe(201);
};

/** Every authenticated route the service registers. */
export const ROUTES: Array<RouteCase<Harness>> = [
  { method: 'POST', route: '/sequence', url: () => '/sequence', body: (n) => ({ elementType: 'action', elementId: n, comment: 'c' }), ok: 201 },
  {
    method: 'PUT',
    route: '/sequence/reorder',
    url: () => '/sequence/reorder',
    body: (n) => ({ elementType: 'action', elements: [{ elementId: n, newSequence: 500_000 + n }], comment: 'c' }),
    setup: create,
    ok: 200,
  },
  {
    method: 'POST',
    route: '/sequence/reorder',
    url: () => '/sequence/reorder',
    body: (n) => ({ elementType: 'action', elementIds: [n], newOrder: [n] }),
    setup: create,
    ok: 200,
  },
  {
    method: 'POST',
    route: '/sequence/version',
    url: () => '/sequence/version',
    body: (n) => ({ elementType: 'action', elementId: n, newVersionData: { a: 1 }, comment: 'c' }),
    setup: create,
    ok: 201,
  },
  { method: 'GET', route: '/elements/:elementType', url: () => '/elements/action', ok: 200 },
  { method: 'GET', route: '/elements/:elementType/:elementId', url: (n) => `/elements/action/${n}`, setup: create, ok: 200 },
  { method: 'GET', route: '/elements/:elementType/:elementId/versions', url: (n) => `/elements/action/${n}/versions`, setup: create, ok: 200 },
  {
    method: 'GET',
    route: '/elements/:elementType/:elementId/versions/:versionNumber',
    url: (n) => `/elements/action/${n}/versions/1`,
    setup: create,
    ok: 200,
  },
  { method: 'GET', route: '/search', url: () => '/search?q=*', ok: 200 },
];

/**
 * The shared route checker's settings: the kit's API-key rules (apiKeyAuth); JSON of the wrong shape and unknown fields are
 * 400s; an element type is lower-case and an id a positive int32.
 */
export function sequenceChecks(h: Harness): RouteChecks<Harness> {
  return {
    app: h.app,
    ctx: h,
    auth: apiKeyAuth(API_KEY),
    validation: {
      closedByDefault: true,
      unknownField: 'surprise',
      wrongShape: 'refused',
      extraShapes: [{}, { elementType: {} }, { elementId: 'x', elements: {}, elementIds: 'x' }],
    },
    badParams: ['Script', '-1', '0', '1.5', '99999999999999999999'],
    unknownRoute: { path: '/nope', anonymous: 'UNAUTHORIZED' },
    publicRoutes: ['/health', '/ready', '/metrics', '/docs/json'],
    // /sync/* are @fountain/sync's admin routes, tested in that package.
    undocumentedOk: (pattern) => ['/health', '/ready', '/metrics'].includes(pattern) || pattern.startsWith('/sync/'),
  };
}
