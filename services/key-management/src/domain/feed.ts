/**
 * The change feed's long poll: a reader asks for the changes after the seq it holds and, when there
 * are none yet, waits (bounded) until the next commit. The KMS is one process, so an in-process wake-up
 * is enough; a change committed between the check and the wait is caught by re-checking on wake-up.
 */
import type { KmsStore } from '../db/store.ts';

/** The feed's waiters; see {@link createFeedWaiters}. */
export interface FeedWaiters {
  /** Wakes every waiting reader (called after each committed change). */
  notify(): void;
  /** Resolves once the feed is past `since`, or after `timeoutMs`, or when closed. */
  waitPast(since: number, timeoutMs: number): Promise<void>;
  /** Releases every waiter (on shutdown, so no request holds the close). */
  close(): void;
}

/**
 * Builds the waiters over a store.
 *
 * @example
 *   const waiters = createFeedWaiters(store);
 *   await waiters.waitPast(since, 25_000);
 */
export function createFeedWaiters(store: KmsStore): FeedWaiters {
  const waiting = new Set<() => void>();
  let closed = false;
  return {
    notify() {
      for (const wake of [...waiting]) wake();
    },
    waitPast(since, timeoutMs) {
      if (closed || store.lastSeq() > since || timeoutMs <= 0) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        waiting.add(done);
      });
    },
    close() {
      closed = true;
      for (const wake of [...waiting]) wake();
    },
  };
}
