/**
 * Backoff with probe (SPEC.md, R7): the attempt count, the sleep of each retry, and the probe that
 * ends a backoff early once the index answers again.
 */
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import type { Alarm } from './wake.ts';
import type { SyncLogger } from './types.ts';

/**
 * How far a probe that says "ready" while sends still fail can push the retries: the part of each
 * backoff during which the probe is ignored doubles after every such retry, up to this.
 */
const PROBE_GAP_MAX_MS = 5000;

/** The relay's retry pacing. */
export interface Retry {
  /** The current attempt (0 when the last step owed no retry). */
  attempt(): number;
  /** Backoffs the probe ended. */
  probeWakes(): number;
  /** A retry is owed: counts the attempt and sleeps out its backoff (probed when `probeable`). */
  backOff(probeable: boolean): Promise<void>;
  /** A step owed no retry: the attempt and the probe gap start over. Answers the attempt it was at. */
  reset(): number;
}

/** Options of {@link createRetry}. */
export interface RetryOptions {
  backoff: BackoffOptions;
  probe: (() => Promise<boolean>) | undefined;
  probeMs: number;
  alarm: Alarm;
  /** Whether the relay must stop sleeping at once (stop, or a job queued). */
  interrupted: () => boolean;
  logger: SyncLogger;
}

/** The retry pacing of one relay. */
export function createRetry(opts: RetryOptions): Retry {
  let attempt = 0;
  let probeWakes = 0;
  // How long into a backoff the probe is ignored, and whether the retry running now was started by it.
  let probeGapMs = opts.probeMs;
  let probeWoke = false;

  /**
   * Sleeps out the backoff of the current attempt. When the index was unavailable (`probeable`) and a
   * probe is set, asks it every `probeMs` whether the index answers again and ends the sleep when it
   * does: recovery then takes a probe interval, not what is left of a backoff of up to 30 s.
   */
  const backOff = async (probeable: boolean): Promise<void> => {
    attempt++;
    const delay = backoffDelay(attempt, opts.backoff);
    if (probeWoke) probeGapMs = Math.min(PROBE_GAP_MAX_MS, probeGapMs * 2);
    probeWoke = false;
    if (!opts.probe || !probeable) return opts.alarm.sleep(delay, false);
    const started = Date.now();
    const end = started + delay;
    for (;;) {
      const left = end - Date.now();
      if (opts.interrupted() || left <= 0) return;
      await opts.alarm.sleep(Math.min(opts.probeMs, left), false);
      if (opts.interrupted() || Date.now() >= end || Date.now() - started < probeGapMs) continue;
      if (await opts.probe().catch(() => false)) {
        probeWoke = true;
        probeWakes++;
        opts.logger.info({ attempt, skippedMs: end - Date.now() }, 'sync relay: the index answers again; retrying now');
        return;
      }
    }
  };

  return {
    attempt: () => attempt,
    probeWakes: () => probeWakes,
    backOff,
    reset() {
      const was = attempt;
      attempt = 0;
      probeGapMs = opts.probeMs;
      probeWoke = false;
      return was;
    },
  };
}
