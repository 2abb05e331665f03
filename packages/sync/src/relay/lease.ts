/**
 * The relay's lease on `_sync_lock` (SPEC.md, R4), in one place: taking it, the confirm that fences a
 * send, the fence inside an acknowledgement, noticing it was lost, and releasing it. `holds()` is
 * what the relay believes; the table row is the truth, read by `confirm` and `fence`.
 */
import type Database from 'better-sqlite3';
import { createLock } from '../lock.ts';
import { isBusy } from '../write-lock.ts';
import type { SyncLogger } from './types.ts';

/** The lease as the relay uses it. */
export interface Lease {
  readonly owner: string;
  /** Whether this relay holds the lease as far as it knows (false once any check found it taken). */
  holds(): boolean;
  /** Takes the lease if it can (`lease-acquired`); false when it is held or the database is busy (`lease-busy`). */
  acquire(): boolean;
  /** The fence right before a send: the row names us with half the lease left (renewed if not). */
  confirm(): boolean;
  /** The fence inside an acknowledgement's transaction: the row still names us. */
  fence(): boolean;
  /** Gives the lease up (stop). */
  release(): void;
}

/** The relay's lease; a loss is logged once, whichever check noticed it. */
export function createLease(db: Database.Database, opts: { leaseMs?: number | undefined; logger: SyncLogger }): Lease {
  let held = false;
  const lost = (): void => {
    if (!held) return;
    held = false;
    opts.logger.error({ owner: lock.owner }, 'sync relay: lost the _sync_lock lease (stalled past it); another relay took over');
  };
  const lock = createLock(db, { leaseMs: opts.leaseMs, onLost: lost });
  return {
    owner: lock.owner,
    holds: () => held,
    acquire() {
      try {
        held = lock.tryAcquire();
      } catch (err) {
        // A database busy past busy_timeout is "not now", like a lease held by another relay.
        if (!isBusy(err)) throw err;
        held = false;
      }
      if (held) opts.logger.info({ owner: lock.owner }, 'sync relay: holding the _sync_lock lease');
      return held;
    },
    confirm() {
      if (lock.confirm()) return true;
      lost();
      return false;
    },
    fence() {
      if (lock.isHeld()) return true;
      lost();
      return false;
    },
    release() {
      lock.release();
      held = false;
    },
  };
}
