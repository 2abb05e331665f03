import type { SequenceStore } from '../db/store.ts';

/** What a `Prefer: wait-for-index` write needs from sync: a wake-up call and the relay's retry count. */
export interface IndexWaitDeps {
  store: SequenceStore;
  /** Wakes the relay (sync.notify). */
  notify(): void;
  /** The relay's current retry attempt (0 when its last batch went through). */
  attempt(): number;
}

/** The answer of {@link waitForIndex}: searchable, or not within the bound (with the relay's attempt). */
export type IndexWaitResult = { ok: true } | { ok: false; retryAttempt: number };

/**
 * Waits until every change committed up to `watermark` (the outbox seq read in the writer's
 * transaction) has left sync's outbox, i.e. is indexed (or dead-lettered), for at most `timeoutMs`.
 * Unlike `sync.drain()` it does not wait for writes committed after ours, so it ends under a steady
 * load of other writers too.
 */
export async function waitForIndex(deps: IndexWaitDeps, watermark: number, timeoutMs: number): Promise<IndexWaitResult> {
  const deadline = Date.now() + timeoutMs;
  deps.notify();
  let delay = 1;
  for (;;) {
    if (!deps.store.pendingUpTo(watermark)) return { ok: true };
    if (Date.now() >= deadline) return { ok: false, retryAttempt: deps.attempt() };
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, 25);
  }
}
