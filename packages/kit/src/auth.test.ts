import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { authorize, globMatch, isAllowed, parseApiKeys, type ApiKey } from './auth.ts';
import { ConfigError } from './config.ts';
import { createApp, type App } from './create-app.ts';
import type { ErrorEnvelope } from './errors.ts';

const admin: ApiKey = { id: 'admin', value: 'admin-key-0123456789', collections: ['*'], actions: ['*'] };
const sequence: ApiKey = {
  id: 'central-sequence',
  value: 'sequence-key-0123456789',
  collections: ['sequence_*'],
  actions: ['documents:*', 'collections:get', 'collections:create'],
};
const searchOnly: ApiKey = { id: 'reader', value: 'reader-key-0123456789', collections: ['story_elements', 'sequence_*'], actions: ['documents:search'] };

describe('isAllowed', () => {
  const table: [ApiKey, string, string | undefined, boolean][] = [
    [admin, 'collections:delete', 'anything', true],
    [admin, 'aliases:list', undefined, true],
    [sequence, 'documents:import', 'sequence_elements', true],
    [sequence, 'documents:delete', 'sequence_versions', true],
    [sequence, 'documents:import', 'story_x', false],
    [sequence, 'documents:search', 'sequence', false], // `sequence_*` needs the underscore
    [sequence, 'collections:get', 'sequence_elements', true],
    [sequence, 'collections:delete', 'sequence_elements', false],
    [sequence, 'aliases:create', 'sequence_elements', false],
    [sequence, 'collections:list', undefined, false],
    [searchOnly, 'documents:search', 'story_elements', true],
    [searchOnly, 'documents:search', 'story_elements_v2', false],
    [searchOnly, 'documents:create', 'story_elements', false],
    [searchOnly, 'documents:import', 'sequence_a', false],
    [{ ...searchOnly, actions: ['collections:*'] }, 'collections:list', undefined, true],
    [{ ...searchOnly, actions: ['collections:*'] }, 'documents:search', 'story_elements', false],
    [{ ...searchOnly, actions: ['documents:*'] }, 'documents:export', 'story_elements', true],
    [{ ...searchOnly, actions: ['aliases:*'] }, 'aliases:delete', 'sequence_1', true],
    // A wildcard is per resource: `documents:*` must not leak into `documents_x:...` style names.
    [{ ...searchOnly, actions: ['documents:*'] }, 'documentsX:search', 'story_elements', false],
  ];
  it.each(table.map(([key, action, collection, expected]) => [key.id, key.actions.join(','), action, collection, expected, key] as const))(
    '%s (%s) may %s on %s → %s',
    (_id, _actions, action, collection, expected, key) => {
      expect(isAllowed(key, action, collection)).toBe(expected);
    },
  );
});

describe('globMatch', () => {
  it('matches exact names, prefixes, suffixes and infixes', () => {
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('story_*', 'story_')).toBe(true);
    expect(globMatch('story_*', 'storyx')).toBe(false);
    expect(globMatch('*_v2', 'a_v2')).toBe(true);
    expect(globMatch('a*b*c', 'abc')).toBe(true);
    expect(globMatch('a*b*c', 'aXbYbZc')).toBe(true);
    expect(globMatch('a*b*c', 'acb')).toBe(false);
    expect(globMatch('ab*ba', 'aba')).toBe(false);
    expect(globMatch('a.b', 'axb')).toBe(false);
  });

  const segment = fc.string({ unit: fc.constantFrom('a', 'b', '_', '.') , maxLength: 4 });
  it('agrees with an anchored regular expression (property)', () => {
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), fc.string({ unit: fc.constantFrom('a', 'b', '_', '.'), maxLength: 10 }), (parts, name) => {
        const pattern = parts.join('*');
        const regex = new RegExp(`^${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
        expect(globMatch(pattern, name)).toBe(regex.test(name));
      }),
    );
  });

  it('a prefix glob matches exactly the names with that prefix (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 6 }).filter((s) => !s.includes('*')), fc.string({ maxLength: 10 }), (prefix, name) => {
        expect(globMatch(`${prefix}*`, name)).toBe(name.startsWith(prefix));
        expect(globMatch(prefix, name)).toBe(prefix === name);
      }),
    );
  });
});

describe('parseApiKeys', () => {
  it('parses a JSON string of keys', () => {
    expect(parseApiKeys(JSON.stringify([sequence, searchOnly]))).toEqual([sequence, searchOnly]);
  });

  it('lists every problem, never echoing a value', () => {
    let problems: string[] = [];
    try {
      parseApiKeys([
        { id: 'a', value: 'dup-secret-value', collections: [], actions: ['documents:search'] },
        { id: 'b', value: 'dup-secret-value', collections: ['x'], actions: ['documents:fly'] },
        { id: 'b', value: 'other-secret', collections: ['x'], actions: ['*'] },
        { value: 'no-id-secret' },
      ]);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
      expect((err as Error).message).not.toContain('secret');
    }
    expect(problems.some((p) => p.startsWith('keys[0].collections'))).toBe(true);
    expect(problems).toContain("keys[1] (b): unknown action 'documents:fly'");
    expect(problems).toContain('keys[1] (b): same value as an earlier key');
    expect(problems).toContain("keys[2]: duplicate id 'b'");
    expect(problems.find((p) => p.startsWith('keys[3]'))).toMatch(/required.*id.*collections.*actions/);
  });

  it('rejects non-JSON and non-arrays', () => {
    expect(() => parseApiKeys('{')).toThrow(ConfigError);
    expect(() => parseApiKeys({ keys: [] })).toThrow(ConfigError);
  });
});

describe('authPlugin', () => {
  const apps: App[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((a) => a.close()));
  });

  function build(): App {
    const app = createApp({ name: 't', version: '1', logger: false, keys: [admin, sequence, searchOnly] });
    apps.push(app);
    app.get<{ Params: { collection: string } }>('/collections/:collection/documents/search', async (request) => {
      authorize(request, 'documents:search', request.params.collection);
      return { key: request.apiKey?.id };
    });
    app.post<{ Params: { collection: string } }>('/collections/:collection/documents', async (request) => {
      authorize(request, 'documents:create', request.params.collection);
      return { ok: true };
    });
    return app;
  }
  const url = '/collections/story_elements/documents/search';

  it.each([
    ['X-API-KEY', { 'x-api-key': searchOnly.value }],
    ['X-TYPESENSE-API-KEY', { 'x-typesense-api-key': searchOnly.value }],
    ['Authorization: Bearer', { authorization: `Bearer ${searchOnly.value}` }],
    ['lower-case bearer', { authorization: `bearer ${searchOnly.value}` }],
  ])('accepts the key in %s', async (_name, headers) => {
    const res = await build().inject({ url, headers });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ key: 'reader' });
  });

  it('accepts the key as the x-typesense-api-key query parameter', async () => {
    const res = await build().inject({ url: `${url}?x-typesense-api-key=${searchOnly.value}` });
    expect(res.json()).toEqual({ key: 'reader' });
  });

  it.each([
    ['missing', {}],
    ['wrong', { 'x-api-key': 'not-a-key' }],
    ['a prefix of a real key', { 'x-api-key': searchOnly.value.slice(0, -1) }],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['another scheme', { authorization: `Basic ${searchOnly.value}` }],
  ])('answers 401 for a %s key', async (_name, headers) => {
    const res = await build().inject({ url, headers });
    expect(res.statusCode).toBe(401);
    expect(res.json<ErrorEnvelope>()).toEqual({ errorCode: 'UNAUTHORIZED', message: 'Invalid or missing API Key', details: null });
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('answers 401 (not 404) for unknown routes without a key', async () => {
    expect((await build().inject({ url: '/secret-route' })).statusCode).toBe(401);
  });

  it('leaves health, ready, metrics, docs and OPTIONS open', async () => {
    const app = build();
    for (const path of ['/health', '/ready', '/metrics', '/docs/json']) {
      expect((await app.inject({ url: path })).statusCode, path).toBe(200);
    }
    expect((await app.inject({ method: 'OPTIONS', url })).statusCode).not.toBe(401);
  });

  it('answers 403 FORBIDDEN naming the action and collection when the scope does not allow it', async () => {
    const app = build();
    const create = await app.inject({ method: 'POST', url: '/collections/story_elements/documents', headers: { 'x-api-key': searchOnly.value }, payload: {} });
    expect(create.statusCode).toBe(403);
    const body = create.json<ErrorEnvelope>();
    expect(body.errorCode).toBe('FORBIDDEN');
    expect(body.message).toBe("API key 'reader' is not allowed to perform 'documents:create' on collection 'story_elements'");
    expect(body.message).not.toContain(searchOnly.value);

    const otherCollection = await app.inject({ url: '/collections/story_x/documents/search', headers: { 'x-api-key': sequence.value } });
    expect(otherCollection.statusCode).toBe(403);
    expect(otherCollection.json<ErrorEnvelope>().details).toEqual({ action: 'documents:search', collection: 'story_x' });

    const own = await app.inject({ method: 'POST', url: '/collections/sequence_elements/documents', headers: { 'x-api-key': sequence.value }, payload: {} });
    expect(own.statusCode).toBe(200);
  });

  it('honours a custom public predicate', async () => {
    const app = createApp({ name: 't', version: '1', logger: false, keys: [admin], isPublic: (r) => r.url === '/open' });
    apps.push(app);
    app.get('/open', async (request) => ({ key: request.apiKey }));
    app.get('/health2', async () => 'x');
    expect((await app.inject({ url: '/open' })).json()).toEqual({ key: null });
    expect((await app.inject({ url: '/health' })).statusCode).toBe(401);
  });

  it('allows everything when the app has no keys configured', async () => {
    const app = createApp({ name: 't', version: '1', logger: false });
    apps.push(app);
    app.get('/x', async (request) => {
      authorize(request, 'collections:delete', 'anything');
      return 'ok';
    });
    expect((await app.inject({ url: '/x' })).body).toBe('ok');
  });
});
