import { startTypesense, typesenseAvailable, type TypesenseServer } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CollectionInfo } from '../backend.ts';
import { parseFilter } from './filter-parser.ts';
import { renderFilter } from './filter-render.ts';
import { validateFilter } from './filter-validate.ts';

/**
 * The safe rendering against a real Typesense 0.24.1: it must select exactly what the caller's own
 * filter selects, and keep hostile values inside one quoted value.
 */
describe.skipIf(!typesenseAvailable())('renderFilter against real Typesense', () => {
  let ts: TypesenseServer;
  let collection: CollectionInfo;
  const docs = [
    { id: '1', title: 'hello world', n: 1, f: 1.5, b: true, tags: ['a', 'x y'] },
    { id: '2', title: 'foo, bar (baz)', n: 2, f: -2.5, b: false, tags: ['b'] },
    { id: '3', title: 'other', n: 3, f: 0, b: true, tags: ['c'] },
    { id: '4', title: 'a) || n:1 && (b', n: 4, f: 9, b: false, tags: [']x['] },
    { id: '5', title: 'ünï 日本 ]', n: 5, f: 9, b: false, tags: ['q'] },
  ];

  const api = async (path: string, init: RequestInit = {}): Promise<unknown> => {
    const res = await fetch(`${ts.url}${path}`, {
      ...init,
      headers: { 'X-TYPESENSE-API-KEY': ts.apiKey, 'Content-Type': 'application/json' },
    });
    return res.json();
  };
  const ids = async (filterBy: string): Promise<string[] | string> => {
    const qs = new URLSearchParams({ q: '*', filter_by: filterBy, per_page: '250' });
    const body = (await api(`/collections/t/documents/search?${qs}`)) as {
      hits?: Array<{ document: { id: string } }>;
      message?: string;
    };
    if (!body.hits) return `error: ${body.message}`;
    return body.hits.map((h) => h.document.id).sort();
  };

  beforeAll(async () => {
    ts = await startTypesense();
    collection = (await api('/collections', {
      method: 'POST',
      body: JSON.stringify({
        name: 't',
        fields: [
          { name: 'title', type: 'string' },
          { name: 'n', type: 'int32' },
          { name: 'f', type: 'float' },
          { name: 'b', type: 'bool' },
          { name: 'tags', type: 'string[]' },
        ],
      }),
    })) as CollectionInfo;
    const jsonl = docs.map((d) => JSON.stringify(d)).join('\n');
    await fetch(`${ts.url}/collections/t/documents/import?action=create`, {
      method: 'POST',
      headers: { 'X-TYPESENSE-API-KEY': ts.apiKey },
      body: jsonl,
    });
  }, 90_000);
  afterAll(async () => {
    await ts?.stop();
  });

  // Filters Typesense 0.24.1 itself parses the same way we do; the safe form must select the same ids.
  const sameAsTypesense = [
    'title:hello',
    'title:=hello world',
    'title:!=other',
    'title:=`foo, bar (baz)`',
    'title:[other, hello]',
    'tags:=[`x y`, b]',
    'n:[1..2, 4]',
    'n:>=2 && n:<4',
    'n:=[1,3]',
    'f:<-1',
    'f:[-3..1.5]',
    'b:true',
    'b:!=true',
    'id:[1, 2]',
    'id:=3',
    'n:1 || n:2 && n:3',
    'n:3 && n:1 || n:2',
    '(n:1 || n:2) && (b:true || n:5)',
  ];
  it.each(sameAsTypesense)('%s', async (filter) => {
    const safe = renderFilter(validateFilter(parseFilter(filter), collection));
    const expected = await ids(filter);
    expect(Array.isArray(expected)).toBe(true);
    expect(await ids(safe)).toEqual(expected);
  });

  it.each([
    ['a) || n:1 && (b', ['4']],
    ['ünï 日本 ]', ['5']],
    ['foo, bar (baz)', ['2']],
  ])('the safe form keeps %j inside one value', async (value, expected) => {
    const safe = renderFilter(validateFilter({ kind: 'clause', field: 'title', op: 'exact', values: [value] }, collection));
    expect(await ids(safe)).toEqual(expected);
    expect(await ids(`${safe} && n:>0`)).toEqual(expected);
  });
});
