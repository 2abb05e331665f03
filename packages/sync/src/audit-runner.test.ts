import { describe, expect, it } from 'vitest';
import { createAuditRunner, type AuditRunnerOptions } from './audit-runner.ts';
import { recordingLogger, type Harness } from './relay/harness.test-support.ts';

/** A runner over scripted audit outcomes: a number of differences, or an Error to throw. */
function harness(outcomes: Array<number | Error>, extra: Partial<AuditRunnerOptions> = {}) {
  const calls: string[] = [];
  const logs: Harness['logs'] = [];
  const logger = recordingLogger(logs);
  const runner = createAuditRunner({
    auditWithRepair: async () => {
      calls.push('audit');
      const next = outcomes.shift() ?? 0;
      if (next instanceof Error) throw next;
      return next;
    },
    settle: async () => {
      calls.push('settle');
    },
    logger,
    intervalMs: 0,
    backoff: { baseMs: 1, maxMs: 4 },
    ...extra,
  });
  return { runner, calls, logs };
}

describe('audit runner', () => {
  it('settles before every audit and stops at the first clean one', async () => {
    const h = harness([0]);
    h.runner.request('recovered from an outage');
    await h.runner.idle();
    expect(h.calls).toEqual(['settle', 'audit']);
    expect(h.logs.filter((l) => l.level !== 'debug')).toEqual([]);
  });

  it('runs again after a repair until an audit comes back clean', async () => {
    const h = harness([4, 1, 0]);
    h.runner.request('recovered from an outage');
    await h.runner.idle();
    expect(h.calls).toEqual(['settle', 'audit', 'settle', 'audit', 'settle', 'audit']);
    expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.obj)).toEqual([
      { why: 'recovered from an outage', round: 1, differences: 4 },
      { why: 'recovered from an outage', round: 2, differences: 1 },
    ]);
    expect(h.logs.some((l) => l.level === 'info' && l.msg === 'sync: audit clean after repair')).toBe(true);
  });

  it('stops after maxRounds even if differences keep coming (the periodic audit goes on)', async () => {
    const h = harness([5, 5, 5, 5, 5], { maxRounds: 3 });
    h.runner.request('x');
    await h.runner.idle();
    expect(h.calls.filter((c) => c === 'audit')).toHaveLength(3);
  });

  it('retries a failed audit with backoff, then gives up loudly after maxAttempts', async () => {
    const boom = new Error('Not Ready or Lagging');
    const retried = harness([boom, boom, 0]);
    retried.runner.request('recovered from an outage');
    await retried.runner.idle();
    expect(retried.calls.filter((c) => c === 'audit')).toHaveLength(3);
    expect(retried.logs.filter((l) => l.msg === 'sync: audit failed; retrying')).toHaveLength(2);

    const hopeless = harness([boom, boom, boom, boom], { maxAttempts: 3 });
    hopeless.runner.request('recovered from an outage');
    await hopeless.runner.idle();
    expect(hopeless.calls.filter((c) => c === 'audit')).toHaveLength(3);
    expect(hopeless.logs.filter((l) => l.level === 'error')).toHaveLength(1);
  });

  it('never runs two at once: a request during a run runs once after it', async () => {
    let release!: () => void;
    let inFlight = 0;
    let maxInFlight = 0;
    let audits = 0;
    const runner = createAuditRunner({
      auditWithRepair: async () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        audits++;
        if (audits === 1) await new Promise<void>((r) => (release = r));
        inFlight--;
        return 0;
      },
      settle: async () => undefined,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      intervalMs: 0,
    });
    runner.request('a');
    await new Promise((r) => setTimeout(r, 5));
    runner.request('b');
    runner.request('c');
    release();
    await new Promise((r) => setTimeout(r, 5));
    await runner.idle();
    expect(audits).toBe(2);
    expect(maxInFlight).toBe(1);
  });

  it('audits periodically, and stop() ends the timer and cuts a backoff wait short', async () => {
    const periodic = harness([], { intervalMs: 15 });
    await expect.poll(() => periodic.calls.filter((c) => c === 'audit').length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    await periodic.runner.stop();
    const seen = periodic.calls.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(periodic.calls.length).toBe(seen);

    const waiting = harness([new Error('down')], { backoff: { baseMs: 60_000, maxMs: 60_000 } });
    waiting.runner.request('x');
    await expect.poll(() => waiting.logs.some((l) => l.msg === 'sync: audit failed; retrying')).toBe(true);
    const t0 = Date.now();
    await waiting.runner.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    waiting.runner.request('after stop');
    await waiting.runner.idle();
    expect(waiting.calls.filter((c) => c === 'audit')).toHaveLength(1);
  });
});
