/**
 * Issue 8, item 4: long queries froze the embedded gateway. Search time grew about quadratically with
 * the words in `q` (1,000 words 0.8 s, 16,000 over 120 s; 1 MB of text ran 30 minutes and ignored
 * SIGTERM), and 8 parallel searches stalled `/health` for 5.5 s. Now `q` is bounded as Typesense
 * bounds it (4,000 characters) plus a word count (64), matching is linear in the words, and a search
 * gives the event loop back every millisecond, one search at a time. Runs against the gateway in front
 * of a real Typesense and on the embedded engine.
 */
import { cpus, loadavg } from 'node:os';
import { BENCH_SCHEMA, VOCABULARY, makeDocs } from '@fountain/testing';
import { MAX_QUERY_LENGTH, MAX_QUERY_TOKENS } from '@fountain/search';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAttackTargets, type Attack, type Target } from './targets.test-support.ts';

const DOCS = 1_000;
/** `n` words of the documents' vocabulary, none repeated, so nothing is served from a cache. */
const words = (n: number, offset: number): string => Array.from({ length: n }, (_, i) => VOCABULARY[(offset + i * 7) % VOCABULARY.length]).join(' ');

let attack: Attack;
beforeAll(async () => {
  attack = await startAttackTargets();
  for (const t of attack.targets) {
    const res = await t.call('POST', '/collections', JSON.stringify({ name: 'long', ...BENCH_SCHEMA }));
    expect(res.status, res.text).toBe(201);
    const imported = await t.call('POST', '/collections/long/documents/import', makeDocs(DOCS, 7).join('\n'), 'text/plain');
    expect(imported.text).not.toContain('"success":false');
  }
}, 180_000);
afterAll(async () => {
  await attack?.stop();
});

const search = (t: Target, q: string) => t.call('GET', `/collections/long/documents/search?q=${encodeURIComponent(q)}&query_by=title,body`);

describe.each(['typesense', 'embedded'] as const)('attack on the gateway (%s backend): long queries', (name) => {
  const target = (): Target | undefined => {
    const t = attack.targets.find((x) => x.name === name);
    if (!t) console.warn(`!! no ${name} target: skipped (Typesense binary missing)`);
    return t;
  };

  it(`a q over ${MAX_QUERY_LENGTH} characters, or over ${MAX_QUERY_TOKENS} words, is a 400 naming q on every search route`, async () => {
    const t = target();
    if (!t) return;
    const tooLong = 'x'.repeat(MAX_QUERY_LENGTH + 1);
    const tooMany = words(MAX_QUERY_TOKENS + 1, 1);
    expect(tooMany.length).toBeLessThan(MAX_QUERY_LENGTH);
    for (const q of [tooLong, tooMany, 'word '.repeat(200_000)]) {
      const seed = await t.call('POST', '/search', JSON.stringify({ q, query_by: 'title', collection: 'long' }));
      expect(seed.status, seed.text.slice(0, 200)).toBe(400);
      const env = seed.json() as { errorCode: string; message: string; details: { parameter: string } };
      expect(env.errorCode).toBe('VALIDATION_ERROR');
      expect(env.message).toContain("'q'");
      expect(env.details.parameter).toBe('q');
      const multi = await t.call('POST', '/multi_search', JSON.stringify({ searches: [{ collection: 'long', q, query_by: 'title' }] }));
      expect(multi.status).toBe(200);
      expect((multi.json() as { results: Array<{ code: number; error: string }> }).results[0]).toMatchObject({ code: 400 });
    }
    const get = await search(t, tooMany);
    expect(get.status).toBe(400);
    expect((get.json() as { details: { parameter: string } }).details.parameter).toBe('q');
  }, 60_000);

  it(`a query of ${MAX_QUERY_TOKENS} words answers, with what dropping words finds`, async () => {
    const t = target();
    if (!t) return;
    const res = await search(t, words(MAX_QUERY_TOKENS, 3));
    expect(res.status, res.text.slice(0, 200)).toBe(200);
    expect((res.json() as { found: number }).found).toBeGreaterThan(0);
  }, 60_000);

  it(`8 parallel maximal queries (${MAX_QUERY_TOKENS} words) keep /health fast, and SIGTERM still stops the gateway at once`, async () => {
    const t = target();
    if (!t) return;
    let stop = false;
    let round = 0;
    const searches = Array.from({ length: 8 }, async (_, k) => {
      let n = 0;
      while (!stop) {
        const res = await search(t, words(MAX_QUERY_TOKENS, 1000 * k + round++));
        expect(res.status).toBe(200);
        n++;
      }
      return n;
    });
    // Let the searches get going, then measure /health while they run.
    await new Promise((r) => setTimeout(r, 300));
    const latencies: number[] = [];
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const started = performance.now();
      const res = await fetch(`${t.gateway.url}/health`);
      await res.text();
      latencies.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 10));
    }
    stop = true;
    const done = await Promise.all(searches);
    latencies.sort((a, b) => a - b);
    const max = latencies[latencies.length - 1]!;
    console.log(
      `${name}: ${done.reduce((a, b) => a + b, 0)} maximal searches in parallel; /health x${latencies.length}: ` +
        `p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
    );
    // The goal: /health under 50 ms while the searches run, held when the machine has a core to spare.
    // On an overloaded machine (load above the core count: parallel test runs on 2 cores) every wait
    // stretches with the load, so only the worst case is held, to one second; before the fix one
    // search alone held the event loop for seconds.
    const overloaded = loadavg()[0]! > cpus().length;
    if (overloaded) console.warn(`!! load ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores: /health median not held to 50 ms`);
    else expect(latencies[Math.floor(latencies.length / 2)]!).toBeLessThan(50);
    expect(max).toBeLessThan(1_000);

    // SIGTERM in the middle of maximal searches: the gateway stops within a few seconds.
    const inFlight = Array.from({ length: 8 }, (_, k) => search(t, words(MAX_QUERY_TOKENS, 50_000 + k)).catch(() => undefined));
    await new Promise((r) => setTimeout(r, 50));
    const sigterm = performance.now();
    const code = await t.gateway.stop(10_000);
    const stopMs = performance.now() - sigterm;
    await Promise.all(inFlight);
    console.log(`${name}: SIGTERM during 8 maximal searches: exit ${code} after ${stopMs.toFixed(0)} ms`);
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(5_000);
  }, 60_000);
});
