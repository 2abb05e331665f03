/**
 * The gateway's route table (every keyed route, with a valid sample request, the action it checks and
 * the collection it touches) and the settings of @fountain/testing's shared route checker for it:
 * the gateway's key forms, the scope refusals, Typesense-compatible leniency on body shapes, and names
 * that are legal here (`\\`, `"`) besides the path attacks every service refuses.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { apiKeyAuth, type RouteCase as SharedRouteCase, type RouteChecks, type SegmentAttack } from '@fountain/testing';
import { seedCollectionSchema } from '../../src/domain/seed-schema.ts';
import { DEFAULT_COLLECTION, FIXTURE_DOCS, KEY, KEY_FORMS, fresh, withKey, type Harness } from './harness.test-support.ts';

/** One gateway route: the shared route case, plus the action it checks and the collection (or alias) it touches. */
export interface RouteCase extends SharedRouteCase<Harness> {
  action: string;
  collection?: string;
}

const doc = (id: string) => ({ ...FIXTURE_DOCS[0], id });

/** Every authenticated gateway route. Targets are outside `sequence_*`, so the sequence key is refused. */
export const ROUTES: RouteCase[] = [
  {
    method: 'POST',
    route: '/documents/sync',
    url: () => '/documents/sync',
    body: (n) => ({ operation: 'create', document: doc(`sync_${n}`) }),
    action: 'documents:upsert',
    collection: DEFAULT_COLLECTION,
    closedBody: true,
    ok: 200,
  },
  {
    method: 'POST',
    route: '/search',
    url: () => '/search',
    body: () => ({ q: 'script', query_by: 'element_type', filter_by: null, sort_by: 'sequence_number:asc', max_hits: 10 }),
    action: 'documents:search',
    collection: DEFAULT_COLLECTION,
    closedBody: true,
    ok: 200,
  },
  {
    method: 'POST',
    route: '/collections',
    url: () => '/collections',
    body: (n) => seedCollectionSchema(`story_new_${n}`),
    action: 'collections:create',
    collection: 'story_new_0',
    ok: 201,
  },
  { method: 'GET', route: '/collections', url: () => '/collections', action: 'collections:list', ok: 200 },
  { method: 'GET', route: '/collections/:name', url: () => '/collections/story_a', action: 'collections:get', collection: 'story_a', ok: 200 },
  {
    method: 'PATCH',
    route: '/collections/:name',
    url: () => '/collections/story_a',
    body: (n) => ({ fields: [{ name: `extra_${n}`, type: 'string', optional: true }] }),
    action: 'collections:update',
    collection: 'story_a',
    closedBody: true,
    ok: 200,
  },
  {
    method: 'DELETE',
    route: '/collections/:name',
    url: (n) => `/collections/story_del_${n}`,
    action: 'collections:delete',
    collection: 'story_del',
    ok: 200,
    setup: async (h, n) => {
      await h.backend.createCollection(seedCollectionSchema(`story_del_${n}`));
    },
  },
  {
    method: 'POST',
    route: '/collections/:collection/documents',
    url: () => '/collections/story_a/documents',
    body: (n) => doc(`new_${n}`),
    action: 'documents:create',
    collection: 'story_a',
    ok: 201,
  },
  {
    method: 'POST',
    route: '/collections/:collection/documents/import',
    url: () => '/collections/story_a/documents/import',
    body: (n) => `${JSON.stringify(doc(`imp_${n}_a`))}\n${JSON.stringify(doc(`imp_${n}_b`))}`,
    text: true,
    action: 'documents:import',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'GET',
    route: '/collections/:collection/documents/export',
    url: () => '/collections/story_a/documents/export',
    action: 'documents:export',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'DELETE',
    route: '/collections/:collection/documents',
    url: () => `/collections/story_a/documents?filter_by=${encodeURIComponent('element_id:=999')}`,
    action: 'documents:delete',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'GET',
    route: '/collections/:collection/documents/:id',
    url: () => '/collections/story_a/documents/1_1',
    action: 'documents:get',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'PATCH',
    route: '/collections/:collection/documents/:id',
    url: () => '/collections/story_a/documents/1_1',
    body: (n) => ({ comment: `edited ${n}` }),
    action: 'documents:update',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'DELETE',
    route: '/collections/:collection/documents/:id',
    url: (n) => `/collections/story_a/documents/del_${n}`,
    action: 'documents:delete',
    collection: 'story_a',
    ok: 200,
    setup: async (h, n) => {
      await h.backend.writeDocument('story_a', doc(`del_${n}`), 'create');
    },
  },
  {
    method: 'GET',
    route: '/collections/:collection/documents/search',
    url: () => '/collections/story_a/documents/search?q=*&query_by=comment',
    action: 'documents:search',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'POST',
    route: '/multi_search',
    url: () => '/multi_search',
    body: () => ({ searches: [{ collection: 'story_a', q: '*', query_by: 'comment' }] }),
    action: 'documents:search',
    collection: 'story_a',
    ok: 200,
  },
  {
    method: 'PUT',
    route: '/aliases/:name',
    url: (n) => `/aliases/story_alias_${n}`,
    body: () => ({ collection_name: 'story_a' }),
    action: 'aliases:create',
    collection: 'story_alias_0',
    closedBody: true,
    ok: 200,
  },
  { method: 'GET', route: '/aliases', url: () => '/aliases', action: 'aliases:list', ok: 200 },
  { method: 'GET', route: '/aliases/:name', url: () => '/aliases/story_alias', action: 'aliases:get', collection: 'story_alias', ok: 200 },
  {
    method: 'DELETE',
    route: '/aliases/:name',
    url: (n) => `/aliases/story_alias_del_${n}`,
    action: 'aliases:delete',
    collection: 'story_alias_del',
    ok: 200,
    setup: async (h, n) => {
      await h.backend.upsertAlias(`story_alias_del_${n}`, 'story_a');
    },
  },
];

/** Sends the n-th sample request of a route with the given headers (body overridable). */
export async function send(
  h: Harness,
  route: RouteCase,
  headers: Record<string, string>,
  opts: { n?: number; rawBody?: string; contentType?: string; body?: unknown } = {},
): Promise<LightMyRequestResponse> {
  const n = opts.n ?? fresh();
  const req: InjectOptions = { method: route.method, url: route.url(n), headers: { ...headers } };
  const body = opts.body !== undefined ? opts.body : route.body?.(n);
  if (opts.rawBody !== undefined) {
    req.payload = opts.rawBody;
    req.headers = { ...req.headers, 'content-type': opts.contentType ?? 'application/json' };
  } else if (body !== undefined) {
    req.payload = route.text ? (body as string) : JSON.stringify(body);
    req.headers = { ...req.headers, 'content-type': route.text ? 'text/plain' : 'application/json' };
  }
  return h.app.inject(req);
}

/** Names legal on the gateway (Typesense pastes `\\` and `"` unescaped into its error JSON, which used to be a 500): any answer but a 5xx. */
export const LEGAL_NAME_ATTACKS: SegmentAttack[] = [
  { name: '\\', raw: '%5C', expect: 'legal' },
  { name: 'a\\x"', raw: 'a%5Cx%22', expect: 'legal' },
];

/**
 * The shared route checker's settings for the gateway: the kit's API-key rules (apiKeyAuth); every
 * key form of the full key works, X-TYPESENSE-API-KEY included; a key without the route's action
 * (search-only) or its collection (sequence_*) is a 403 naming the action and the key id, never the key; JSON of the wrong
 * shape may succeed, as on Typesense, but never 500s; unknown fields of a closed body are refused.
 */
export function gatewayChecks(h: Harness): RouteChecks<Harness, RouteCase> {
  return {
    app: h.app,
    ctx: h,
    auth: {
      ...apiKeyAuth(KEY.full),
      // Every key form, the Typesense header too.
      accepted: KEY_FORMS.map((form) => ({ name: form.name, headers: form.headers(KEY.full) })),
      insufficient: (route) => {
        const refusers: Array<{ id: string; key: string }> = [];
        if (route.action !== 'documents:search') refusers.push({ id: 'search-only', key: KEY.search });
        if (route.collection !== undefined && !route.collection.startsWith('sequence_')) refusers.push({ id: 'sequence', key: KEY.sequence });
        expect(refusers.length, `${route.method} ${route.route}: some key must be refused`).toBeGreaterThan(0);
        return refusers.map(({ id, key }) => ({
          name: id,
          headers: withKey(key),
          check: (body) => {
            expect(body.message).toContain(`'${route.action}'`);
            expect(body.message).toContain(`'${id}'`);
            expect((body.details as { action: string }).action).toBe(route.action);
          },
        }));
      },
      secrets: Object.values(KEY),
    },
    validation: { closedByDefault: false, unknownField: 'surprise_field', wrongShape: 'no-5xx', extraShapes: [{}, { id: {} }, { fields: 'x', searches: {}, q: [], operation: {} }] },
    segmentAttacks: LEGAL_NAME_ATTACKS,
    unknownRoute: { path: '/nope' },
    publicRoutes: ['/health', '/ready', '/metrics', '/docs/json'],
    undocumentedOk: (pattern) => ['/health', '/ready', '/metrics'].includes(pattern),
  };
}

/** The fixture collections and their documents are all still there. */
export async function expectFixturesIntact(h: Harness): Promise<void> {
  for (const name of [DEFAULT_COLLECTION, 'sequence_a', 'story_a']) {
    const info = await h.backend.getCollection(name);
    expect(info.name).toBe(name);
    for (const d of FIXTURE_DOCS) await expect(h.backend.getDocument(name, d.id)).resolves.toMatchObject({ id: d.id });
  }
}
