/** Retry pacing of the relay: exponential backoff with full jitter, and a sleep that can be cut short. */

/** Bounds of the exponential backoff. */
export interface BackoffOptions {
  /** The first retry's ceiling (default 100 ms). */
  baseMs: number;
  /** The ceiling never grows past this (default 30 s). */
  maxMs: number;
  /**
   * The jitter source, uniform in [0, 1) (default Math.random). A test pins it (`() => 1`) to put the
   * relay in the worst case of its backoff on purpose.
   */
  random?: () => number;
}

/** The default backoff: 100 ms, doubling, capped at 30 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, maxMs: 30_000 };

/**
 * The delay before retry number `attempt` (1-based): uniform in [0, min(maxMs, baseMs * 2^(attempt-1))]
 * ("full jitter", which spreads many retrying relays best). Written by hand rather than with p-retry:
 * the relay retries forever and must interleave retries with exclusive jobs and stop(), so it needs
 * only this one formula, not a retry wrapper.
 *
 * @example
 *   await sleep(backoffDelay(attempt, DEFAULT_BACKOFF));
 */
export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = opts.random ?? Math.random): number {
  const exp = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(Math.max(0, attempt - 1), 30));
  return Math.floor(random() * exp);
}
