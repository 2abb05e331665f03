/**
 * The relay's probe during a backoff (docs/sync.md, "Recovery after an outage"): a real SQLite file
 * and the real embedded backend behind the fault injector; the backoff pinned at a long ceiling.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '@fountain/kit';
import { createHarness, type Harness } from './harness.test-support.ts';
import { indexedDocs } from './fixtures.test-support.ts';

const LONG = { baseMs: 30_000, maxMs: 30_000, random: () => 1 };
const unavailable = (): never => {
  throw new AppError('SEARCH_BACKEND_UNAVAILABLE', 'Typesense unavailable: connect ECONNREFUSED');
};

describe('relay probe', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('retries as soon as the probe says the index answers, not when a 30 s backoff runs out', async () => {
    let down = true;
    let probes = 0;
    h = await createHarness({
      backoff: LONG,
      probeMs: 20,
      probe: async () => {
        probes++;
        return !down;
      },
    });
    h.faults.setHook(({ method }) => (method === 'importDocuments' && down ? unavailable() : undefined));
    h.db.prepare("INSERT INTO elements (id, title, version) VALUES (1, 'a', 1)").run();
    await expect.poll(() => h!.relay.stats().state, { timeout: 5000 }).toBe('backoff');
    await new Promise((r) => setTimeout(r, 200));
    // Down: the probe is asked and says no; the relay keeps backing off.
    expect(probes).toBeGreaterThan(2);
    expect(h.relay.stats().transientFailures).toBe(1);
    const back = Date.now();
    down = false;
    await h.relay.drain(5000);
    expect(Date.now() - back).toBeLessThan(2000);
    expect(h.relay.stats().probeWakes).toBe(1);
    expect((await indexedDocs(h.real, 'elements')).has('1')).toBe(true);
  });

  it('a probe that says ready while sends still fail spaces the retries out (a doubling gap), never a tight loop', async () => {
    h = await createHarness({ backoff: LONG, probeMs: 10, probe: async () => true });
    h.faults.setHook(({ method }) => (method === 'importDocuments' ? unavailable() : undefined));
    h.db.prepare("INSERT INTO elements (id, title, version) VALUES (1, 'a', 1)").run();
    await expect.poll(() => h!.relay.stats().transientFailures, { timeout: 5000 }).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 2000));
    // Probe-triggered retries after 10, 20, 40, ... 1280 ms: 8 in about 2.5 s; with a fixed gap of
    // 10 ms it would be some 200. Without the probe, none (the backoff is 30 s).
    const failures = h.relay.stats().transientFailures;
    expect(failures).toBeGreaterThan(2);
    expect(failures).toBeLessThan(12);
  });

  it('a failure the backend coming back does not fix (misconfigured) is not cut short by the probe', async () => {
    let probes = 0;
    h = await createHarness({
      backoff: LONG,
      probeMs: 10,
      probe: async () => {
        probes++;
        return true;
      },
    });
    h.faults.setHook(({ method }) => {
      if (method === 'importDocuments') throw new AppError('FORBIDDEN', 'the key may not write this collection');
    });
    h.db.prepare("INSERT INTO elements (id, title, version) VALUES (1, 'a', 1)").run();
    await expect.poll(() => h!.relay.stats().misconfiguredFailures, { timeout: 5000 }).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(h.relay.stats().misconfiguredFailures).toBe(1);
    expect(probes).toBe(0);
  });
});
