import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typesenseAvailable } from '@fountain/testing';
import { books, cases, type Case } from './conformance-cases.test-support.ts';
import { BOOKS, booksJsonl, booksSchema } from './fixtures.test-support.ts';
import { statusOf } from './observe.test-support.ts';
import { officialClient, raw, SEARCH_ONLY_KEY, SEQUENCE_KEY, startTargets, type RawResponse, type Target, type TargetKind, type Targets } from './targets.test-support.ts';

/**
 * The gateway conformance suite: the same cases, through the official `typesense` client and real HTTP,
 * against (a) Typesense itself, the oracle, (b) the gateway in front of that Typesense and (c) the
 * gateway on its embedded engine. Every case answers an observation; (b) and (c) must observe what (a)
 * observes. Cases also assert absolute expectations, so (c) is still checked when Typesense is absent.
 *
 * The observed cases are declared in conformance-cases.test-support.ts; this file starts the targets
 * once, runs those cases, and checks bad input, deliberate differences and scoped keys with raw fetch.
 */

const WITH_TYPESENSE = typesenseAvailable();
const KINDS: TargetKind[] = ['typesense', 'gateway-typesense', 'gateway-embedded'];

let targets: Targets | undefined;

beforeAll(async () => {
  targets = await startTargets(WITH_TYPESENSE);
  // The read-only cases share one books collection per target.
  await Promise.all(
    targets.all.map(async (t) => {
      await t.client.collections().create(booksSchema(books(t)));
      await t.client.collections(books(t)).documents().import(booksJsonl(), { action: 'create' });
    }),
  );
}, 90_000);

afterAll(async () => {
  await targets?.stop();
}, 30_000);

function targetOf(kind: TargetKind): Target {
  const t = targets?.all.find((x) => x.kind === kind);
  if (!t) throw new Error(`target ${kind} is not running`);
  return t;
}

const oracleRuns = new Map<string, Promise<unknown>>();

/** Runs a case on the oracle once; every other target compares with that one answer. */
function oracleObservation(c: Case<unknown>): Promise<unknown> {
  let p = oracleRuns.get(c.name);
  if (!p) {
    p = c.run(targetOf('typesense'));
    oracleRuns.set(c.name, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------------

describe.each(KINDS)('conformance: %s', (kind) => {
  const needsTypesense = kind !== 'gateway-embedded';
  describe.skipIf(needsTypesense && !WITH_TYPESENSE)('cases', () => {
    for (const c of cases) {
      it(c.name, async () => {
        const t = targetOf(kind);
        const obs = kind === 'typesense' ? await oracleObservation(c) : await c.run(t);
        c.check?.(obs, t);
        // Without Typesense there is no oracle: the absolute checks above still run on (c).
        if (kind !== 'typesense' && WITH_TYPESENSE) {
          const same = c.comparable ?? ((o: unknown) => o);
          expect(same(obs)).toEqual(same(await oracleObservation(c)));
        }
      });
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Bad input, with raw fetch: Typesense answers a 4xx with `{message}`; the gateways answer the same
// status (or, where noted, the same 4xx class) with the envelope `{errorCode, message, details}`.

const CODE_OF: Record<number, string> = { 400: 'VALIDATION_ERROR', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT' };

interface BadInput {
  name: string;
  send(t: Target): Promise<RawResponse>;
  /** The gateways' status. */
  status: number;
  /** Typesense's status when it differs (same 4xx class, or a deliberate difference explained in `why`). */
  typesense?: number;
  why?: string;
}

const search = (t: Target, params: Record<string, string>, key?: string | null): Promise<RawResponse> =>
  raw(t, 'GET', `/collections/${books(t)}/documents/search?${new URLSearchParams({ q: '*', query_by: 'title', ...params })}`, { key });

const BAD_INPUTS: BadInput[] = [
  { name: 'unknown collection', send: (t) => raw(t, 'GET', `/collections/nope_${t.ns}`), status: 404 },
  { name: 'search in an unknown collection', send: (t) => raw(t, 'GET', `/collections/nope_${t.ns}/documents/search?q=*`), status: 404 },
  { name: 'duplicate collection', send: (t) => raw(t, 'POST', '/collections', { body: booksSchema(books(t)) }), status: 409 },
  { name: 'collection with an unknown field type', send: (t) => raw(t, 'POST', '/collections', { body: { name: `badtype_${t.ns}`, fields: [{ name: 'a', type: 'strang' }] } }), status: 400 },
  { name: 'malformed filter', send: (t) => search(t, { filter_by: 'year:>' }), status: 400 },
  { name: 'unbalanced parentheses in a filter', send: (t) => search(t, { filter_by: '(genre:fantasy || year:>1' }), status: 400 },
  {
    name: 'unknown filter field',
    send: (t) => search(t, { filter_by: 'nope:=1' }),
    status: 400,
    typesense: 404,
    why: 'Typesense says 404 "Could not find a filter field"; the gateway validates the filter and names the field in a 400',
  },
  {
    name: 'sort on a non-sortable field',
    send: (t) => search(t, { sort_by: 'title:asc' }),
    status: 400,
    typesense: 404,
    why: 'Typesense says 404 "Could not find a field named `title` in the schema for sorting"; the request is what is wrong',
  },
  // 0.24.1 refuses `!=` on a number ("invalid comparator"); the gateway refuses it before the engine.
  { name: '!= on a numeric field', send: (t) => search(t, { filter_by: 'year:!=1965' }), status: 400 },
  { name: 'more than 3 sort fields', send: (t) => search(t, { sort_by: 'year:asc,rating:asc,rank:asc,rank:desc' }), status: 400 },
  {
    name: 'per_page above 250',
    send: (t) => search(t, { per_page: '251' }),
    status: 400,
    typesense: 422,
    why: 'Typesense says 422 "Only upto 250 hits can be fetched per page"; the gateway uses its one validation code',
  },
  {
    name: 'facet on a non-facet field',
    send: (t) => search(t, { facet_by: 'title' }),
    status: 400,
    typesense: 404,
    why: 'Typesense says 404 "Could not find a facet field named `title`"',
  },
  {
    name: 'query_by an unknown field',
    send: (t) => search(t, { q: 'x', query_by: 'nope' }),
    status: 400,
    typesense: 404,
    why: 'Typesense says 404 "Could not find a field named `nope` in the schema"',
  },
  { name: 'document with a wrong type', send: (t) => raw(t, 'POST', `/collections/${books(t)}/documents`, { body: { ...BOOKS[0], id: 'wt', year: 'soon' } }), status: 400 },
  { name: 'document missing a required field', send: (t) => raw(t, 'POST', `/collections/${books(t)}/documents`, { body: { id: 'mf', year: 1 } }), status: 400 },
  { name: 'document with a numeric id', send: (t) => raw(t, 'POST', `/collections/${books(t)}/documents`, { body: { ...BOOKS[0], id: 7 } }), status: 400 },
  { name: 'non-JSON document body', send: (t) => raw(t, 'POST', `/collections/${books(t)}/documents`, { body: '{"id": "x", ' }), status: 400 },
  { name: 'non-JSON collection body', send: (t) => raw(t, 'POST', '/collections', { body: 'not json' }), status: 400 },
  { name: 'non-JSON multi_search body', send: (t) => raw(t, 'POST', '/multi_search', { body: '{"searches": [' }), status: 400 },
  { name: 'duplicate document id on create', send: (t) => raw(t, 'POST', `/collections/${books(t)}/documents`, { body: BOOKS[0] as object }), status: 409 },
  { name: 'get a missing document', send: (t) => raw(t, 'GET', `/collections/${books(t)}/documents/nope`), status: 404 },
  { name: 'import into an unknown collection', send: (t) => raw(t, 'POST', `/collections/nope_${t.ns}/documents/import`, { body: '{"id":"a"}', contentType: 'text/plain' }), status: 404 },
  { name: 'delete by a malformed filter', send: (t) => raw(t, 'DELETE', `/collections/${books(t)}/documents?filter_by=${encodeURIComponent('year:>>')}`), status: 400 },
  { name: 'missing API key', send: (t) => raw(t, 'GET', '/collections', { key: null }), status: 401 },
  { name: 'wrong API key', send: (t) => raw(t, 'GET', `/collections/${books(t)}`, { key: 'not-a-key-at-all' }), status: 401 },
];

describe.each(KINDS)('bad input: %s', (kind) => {
  describe.skipIf(kind !== 'gateway-embedded' && !WITH_TYPESENSE)('answers', () => {
    it.each(BAD_INPUTS)('$name', async (c) => {
      const t = targetOf(kind);
      const res = await c.send(t);
      const body = res.body as Record<string, unknown>;
      expect(typeof body.message, res.text).toBe('string');
      if (t.gateway) {
        expect(res.status, res.text).toBe(c.status);
        expect(body.errorCode).toBe(CODE_OF[c.status]);
        expect(Object.keys(body).sort()).toEqual(['details', 'errorCode', 'message']);
      } else {
        expect(res.status, `${c.why ?? ''} ${res.text}`).toBe(c.typesense ?? c.status);
        expect(body).not.toHaveProperty('errorCode');
      }
      expect(Math.floor(res.status / 100)).toBe(4);
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Deliberate differences: requests Typesense 0.24.1 accepts and the gateway refuses (or the embedded
// engine answers differently), each asserted explicitly on every target.

interface Deliberate {
  name: string;
  send(t: Target): Promise<RawResponse>;
  /** Status per target kind. */
  expected: Record<TargetKind, number>;
}

const DELIBERATE: Deliberate[] = [
  // A backtick inside a value can close the quoting and inject clauses into a 0.24.1 filter; the
  // gateway refuses it rather than pass it on (DESIGN.md, "Notes on 0.24.1").
  {
    name: 'backtick inside a filter value',
    send: (t) => search(t, { filter_by: 'author:=[`Le`Guin`]' }),
    expected: { typesense: 200, 'gateway-typesense': 400, 'gateway-embedded': 400 },
  },
  // Typesense ignores parameters it doesn't know; the gateway never ignores one silently.
  {
    name: 'unsupported search parameter',
    send: (t) => search(t, { group_by_everything: 'yes' }),
    expected: { typesense: 200, 'gateway-typesense': 400, 'gateway-embedded': 400 },
  },
  // Typesense 0.24.1 stores a NEW document sent with action=emplace even when required fields are
  // missing (it validates it like a partial update), leaving a document the schema says can't exist.
  // The embedded engine validates a new document like a create and refuses it; the gateway in front of
  // Typesense passes Typesense's answer through.
  {
    name: 'emplace of a new, incomplete document',
    send: async (t) => {
      const name = `emplace_new_${t.ns}`;
      await t.client.collections().create(booksSchema(name));
      return raw(t, 'POST', `/collections/${name}/documents?action=emplace`, { body: { id: 'incomplete', rating: 1 } });
    },
    expected: { typesense: 201, 'gateway-typesense': 201, 'gateway-embedded': 400 },
  },
];

describe.each(KINDS)('deliberate differences: %s', (kind) => {
  describe.skipIf(kind !== 'gateway-embedded' && !WITH_TYPESENSE)('answers', () => {
    it.each(DELIBERATE)('$name', async (c) => {
      const t = targetOf(kind);
      const res = await c.send(t);
      expect(res.status, res.text).toBe(c.expected[kind]);
      if (res.status >= 400 && t.gateway) expect(res.body).toMatchObject({ errorCode: CODE_OF[res.status], message: expect.any(String) });
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Gateway security: scoped keys. Typesense has no counterpart to these keys (they live in the gateway),
// so these run on (b) and (c) only, through the official client and raw fetch.

describe.each(['gateway-typesense', 'gateway-embedded'] as const)('scoped keys: %s', (kind) => {
  describe.skipIf(kind !== 'gateway-embedded' && !WITH_TYPESENSE)('answers', () => {
    const names = (t: Target) => ({ seq: `sequence_scope_${t.ns}`, story: `story_scope_${t.ns}` });

    beforeAll(async () => {
      const t = targetOf(kind);
      for (const name of Object.values(names(t))) await t.client.collections().create(booksSchema(name));
    });

    it('a sequence_* key writes and reads sequence_* collections', async () => {
      const t = targetOf(kind);
      const client = officialClient(t.port, SEQUENCE_KEY);
      const created = await client.collections(names(t).seq).documents().create(BOOKS[0] as never);
      expect(created).toMatchObject({ id: 'b01' });
      const r = await client.collections(names(t).seq).documents().search({ q: 'dragons', query_by: 'title' });
      expect(r.found).toBe(1);
    });

    it('a sequence_* key gets 403 on story_* (client and raw)', async () => {
      const t = targetOf(kind);
      const client = officialClient(t.port, SEQUENCE_KEY);
      expect(await statusOf(client.collections(names(t).story).documents().create(BOOKS[0] as never))).toBe(403);
      expect(await statusOf(client.collections(names(t).story).documents().search({ q: '*' }))).toBe(403);
      const res = await raw(t, 'GET', `/collections/${names(t).story}/documents/search?q=*`, { key: SEQUENCE_KEY });
      expect(res.status).toBe(403);
      expect(res.body).toMatchObject({ errorCode: 'FORBIDDEN', message: expect.any(String) });
    });

    it('a search-only key searches but gets 403 on every write', async () => {
      const t = targetOf(kind);
      const client = officialClient(t.port, SEARCH_ONLY_KEY);
      const r = await client.collections(books(t)).documents().search({ q: '*', query_by: 'title', per_page: 1 });
      expect(r.found).toBe(BOOKS.length);
      const docs = client.collections(books(t)).documents();
      const writes = await Promise.all([
        statusOf(docs.create({ ...BOOKS[0], id: 'ro1' } as never)),
        statusOf(docs.upsert(BOOKS[0] as never)),
        statusOf(docs.import('{"id":"ro2"}', { action: 'upsert' })),
        statusOf(docs.delete({ filter_by: 'year:>0' })),
        statusOf(client.collections(books(t)).documents('b01').delete()),
        statusOf(client.collections(books(t)).delete()),
        statusOf(client.collections().create(booksSchema(`ro_${t.ns}`))),
      ]);
      expect(writes).toEqual(Array(writes.length).fill(403));
      // Nothing was written.
      expect((await t.client.collections(books(t)).retrieve()).num_documents).toBe(BOOKS.length);
    });
  });
});
