/**
 * When sync audits by itself: periodically, and after every outage the relay recovers from. Typesense
 * 0.24.1 can lose writes it had acknowledged when it is killed, and only an audit can find those, so
 * the audit after an outage must not be a one-shot that a busy or still-warming index can defeat:
 *
 * - it first lets the relay send what was committed before it (so it compares a settled index, not a
 *   backlog), bounded by `settleMs`;
 * - an audit that fails (the index lagging, a timeout) is retried with backoff, `maxAttempts` times;
 * - an audit that found and repaired differences is run again once the repairs are sent, until one
 *   comes back clean or `maxRounds` have run (the periodic audit goes on after that).
 *
 * Never two at once: a request while one runs is remembered and runs after it.
 */
import { backoffDelay, type BackoffOptions, type SyncLogger } from './relay/index.ts';

/** What the runner needs: an audit with repair that answers how many differences it found and repaired. */
export interface AuditRunnerOptions {
  auditWithRepair(): Promise<number>;
  /** Resolves once what was committed before the call has been sent (or after `timeoutMs`). */
  settle(timeoutMs: number): Promise<void>;
  logger: SyncLogger;
  /** Periodic audits (0 turns them off). */
  intervalMs: number;
  settleMs?: number;
  maxAttempts?: number;
  maxRounds?: number;
  backoff?: BackoffOptions;
}

export interface AuditRunner {
  /** Asks for an audit with repair; `why` goes into the logs. */
  request(why: string): void;
  /** Resolves when no audit is running or queued (for tests and shutdown). */
  idle(): Promise<void>;
  /** Stops the timer, cuts short any wait, and waits for a running audit to end. */
  stop(): Promise<void>;
}

/**
 * Creates the runner; the periodic timer starts at once.
 *
 * @example
 *   const audits = createAuditRunner({ auditWithRepair, settle, logger, intervalMs: 30 * 60_000 });
 *   relayOptions.onRecovered = () => audits.request('recovered from an outage');
 */
export function createAuditRunner(opts: AuditRunnerOptions): AuditRunner {
  const settleMs = opts.settleMs ?? 30_000;
  const maxAttempts = opts.maxAttempts ?? 6;
  const maxRounds = opts.maxRounds ?? 3;
  const backoff = opts.backoff ?? { baseMs: 1000, maxMs: 30_000 };
  const { logger } = opts;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again: string | null = null;
  let timer: NodeJS.Timeout | null = null;
  let cutShort: (() => void) | null = null;
  let onStop: () => void = () => undefined;
  const stopping = new Promise<void>((resolve) => (onStop = resolve));

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done(): void {
        clearTimeout(t);
        cutShort = null;
        resolve();
      }
      cutShort = done;
    });

  /** One request: rounds of settle → audit with repair, until a clean one; failures retried. */
  const run = async (why: string): Promise<void> => {
    let failures = 0;
    for (let round = 1; round <= maxRounds && !stopped; ) {
      try {
        await Promise.race([opts.settle(settleMs), stopping]);
        if (stopped) return;
        const differences = await opts.auditWithRepair();
        if (differences === 0) {
          if (round > 1) logger.info({ why, round }, 'sync: audit clean after repair');
          return;
        }
        logger.warn({ why, round, differences }, 'sync: audit found differences between tables and index; repaired');
        round++;
        failures = 0;
      } catch (err) {
        failures++;
        if (failures >= maxAttempts) {
          logger.error({ err, why, attempts: failures }, 'sync: audit failed; giving up until the next periodic audit or outage');
          return;
        }
        const delay = backoffDelay(failures, backoff);
        logger.warn({ err, why, attempt: failures, retryInMs: delay }, 'sync: audit failed; retrying');
        await pause(delay);
      }
    }
  };

  const request = (why: string): void => {
    if (stopped) return;
    if (running) {
      again = why;
      return;
    }
    running = run(why).finally(() => {
      running = null;
      const next = again;
      again = null;
      if (next !== null) request(next);
    });
  };

  const schedule = (): void => {
    if (!opts.intervalMs || stopped) return;
    timer = setTimeout(() => {
      request('periodic');
      schedule();
    }, opts.intervalMs);
    timer.unref();
  };
  schedule();

  return {
    request,
    async idle() {
      while (running) await running;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      cutShort?.();
      onStop();
      while (running) await running;
    },
  };
}
