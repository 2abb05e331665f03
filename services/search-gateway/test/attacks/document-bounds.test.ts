/**
 * Issue 8, item 3: one import request crashed Typesense for good. A JSONL line holding one object
 * nested 100,000 levels deep segfaults Typesense 0.24.1, and again on every restart (it replays the
 * write from its log); 10,000 deep was a RangeError 500 on both backends. The gateway now bounds
 * every document it accepts (nesting depth, key count, value size: DOCUMENT_LIMITS in @fountain/kit)
 * before any engine sees it. Runs against the gateway in front of a real Typesense and on the
 * embedded engine.
 */
import { DOCUMENT_LIMITS } from '@fountain/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAttackTargets, type Attack } from './targets.test-support.ts';

const nestedObject = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
/** A document whose own depth is `depth` (its field `deep` holds the rest). */
const docNested = (id: string, depth: number): string => `{"id":"${id}","title":"deep ${id}","deep":${nestedObject(depth - 1)}}`;
const wideDoc = (id: string, keys: number): string =>
  JSON.stringify({ id, title: 'wide', ...Object.fromEntries(Array.from({ length: keys - 2 }, (_, i) => [`k${i}`, i])) });
const longDoc = (id: string, chars: number): string => JSON.stringify({ id, title: 'long', s: 'x'.repeat(chars) });

let attack: Attack;
beforeAll(async () => {
  attack = await startAttackTargets();
  for (const t of attack.targets) {
    const res = await t.call('POST', '/collections', JSON.stringify({ name: 'bounds', fields: [{ name: 'title', type: 'string' }] }));
    expect(res.status, res.text).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await attack?.stop();
});

type Line = { success: boolean; code?: number; document?: string; error?: string };
const lines = (text: string): Line[] => text.split('\n').map((l) => JSON.parse(l) as Line);

describe.each(['typesense', 'embedded'] as const)('attack on the gateway (%s backend): documents beyond the bounds', (name) => {
  const target = () => {
    const t = attack.targets.find((x) => x.name === name);
    if (!t) console.warn(`!! no ${name} target: skipped (Typesense binary missing)`);
    return t;
  };

  it('one JSONL import line nested 100,000 deep is a failed result line in Typesense\'s shape, and Typesense stays up, also after a restart', async () => {
    const t = target();
    if (!t) return;
    const deep = docNested('deep100k', 100_000);
    const body = [JSON.stringify({ id: 'before', title: 'before' }), deep, JSON.stringify({ id: 'after', title: 'after' })].join('\n');
    const res = await t.call('POST', '/collections/bounds/documents/import?action=upsert', body, 'text/plain');
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const out = lines(res.text);
    expect(out).toHaveLength(3);
    expect(out[0]).toEqual({ success: true });
    expect(out[2]).toEqual({ success: true });
    expect(Object.keys(out[1]!)).toEqual(['code', 'document', 'error', 'success']);
    expect(out[1]).toMatchObject({ success: false, code: 400, document: deep });
    expect(out[1]!.error).toContain(`nested more than ${DOCUMENT_LIMITS.maxDepth} levels deep`);
    if (name === 'typesense') {
      const ts = attack.typesense!;
      expect(await (await fetch(`${ts.url}/health`)).json()).toEqual({ ok: true });
      // The crash replayed from Typesense's log on every start: a restart proves the line never got there.
      await ts.restart();
      expect(await (await fetch(`${ts.url}/health`)).json()).toEqual({ ok: true });
    }
    for (const id of ['before', 'after']) expect((await t.call('GET', `/collections/bounds/documents/${id}`)).status).toBe(200);
    expect((await t.call('GET', '/collections/bounds/documents/deep100k')).status).toBe(404);
  }, 60_000);

  it.each([
    ['nested 10,000 deep (a RangeError 500 before)', docNested('d10k', 10_000), 'maxDepth', `nested more than ${DOCUMENT_LIMITS.maxDepth} levels deep`],
    ['nested one level past the bound', docNested('d33', DOCUMENT_LIMITS.maxDepth + 1), 'maxDepth', `nested more than ${DOCUMENT_LIMITS.maxDepth} levels deep`],
    ['with 10,001 keys', wideDoc('wide', DOCUMENT_LIMITS.maxKeys + 1), 'maxKeys', `more than ${DOCUMENT_LIMITS.maxKeys} keys`],
    ['with a string one character over the bound', longDoc('long', DOCUMENT_LIMITS.maxValueLength + 1), 'maxValueLength', `longer than ${DOCUMENT_LIMITS.maxValueLength} characters`],
  ])('a document %s: 400 on single writes and /documents/sync, a failed line in an import', async (_what, doc, limit, words) => {
    const t = target();
    if (!t) return;
    const id = (JSON.parse(doc) as { id: string }).id;
    for (const [path, body] of [
      ['/collections/bounds/documents', doc],
      ['/collections/bounds/documents?action=upsert', doc],
      ['/documents/sync', `{"operation":"create","collection":"bounds","document":${doc}}`],
    ] as const) {
      const res = await t.call('POST', path, body);
      expect(res.status, `${path}: ${res.text.slice(0, 300)}`).toBe(400);
      const env = res.json() as { errorCode: string; message: string; details: { limit: string } };
      expect(env.errorCode).toBe('VALIDATION_ERROR');
      expect(env.message).toContain(words);
      expect(env.details.limit).toBe(limit);
    }
    const res = await t.call('POST', '/collections/bounds/documents/import', `${doc}\n{"id":"ok-${id}","title":"fine"}`, 'text/plain');
    expect(res.status).toBe(200);
    const out = lines(res.text);
    expect(out[0]).toMatchObject({ success: false, code: 400, document: doc });
    expect(out[0]!.error).toContain(words);
    expect(out[1]).toEqual({ success: true });
    expect((await t.call('GET', `/collections/bounds/documents/${id}`)).status).toBe(404);
  }, 60_000);

  it('a document right at every bound is indexed, by a single write and by an import', async () => {
    const t = target();
    if (!t) return;
    const atDepth = docNested('at-depth', DOCUMENT_LIMITS.maxDepth);
    const atKeys = wideDoc('at-keys', DOCUMENT_LIMITS.maxKeys);
    expect((await t.call('POST', '/collections/bounds/documents', atDepth)).status).toBe(201);
    expect((await t.call('POST', '/documents/sync', `{"operation":"update","collection":"bounds","document":${atKeys}}`)).status).toBe(200);
    const res = await t.call('POST', '/collections/bounds/documents/import?action=upsert', `${atDepth}\n${atKeys}`, 'text/plain');
    expect(lines(res.text)).toEqual([{ success: true }, { success: true }]);
  }, 60_000);
});
