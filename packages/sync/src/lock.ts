/**
 * One relay per database, across processes: a lease in `_sync_lock` (docs/sync.md, "Relay"). The
 * holder renews a heartbeat; another process takes the lease at once when the holder is a dead pid on
 * this host, and otherwise only after the lease has expired.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type Database from 'better-sqlite3';

/** Options of {@link createLock}. */
export interface LockOptions {
  /** How long a lease lasts without a heartbeat (default 15 s). */
  leaseMs?: number;
  /** How often the holder renews it (default leaseMs / 3). */
  heartbeatMs?: number;
  /** Called once when a heartbeat finds the lease taken by someone else (we stalled past the lease). */
  onLost?: () => void;
}

/** A lease on `_sync_lock`, owned by this object. */
export interface SyncLock {
  /** This holder's unique name: `host:pid:uuid`. */
  readonly owner: string;
  /** Takes the lease if it is free, ours, expired, or held by a dead pid on this host. */
  tryAcquire(): boolean;
  /** Renews the heartbeat; false (and stops renewing) when the lease is no longer ours. */
  heartbeat(): boolean;
  /** Whether the row still names us (reads the table; use it to fence writes). */
  isHeld(): boolean;
  /**
   * Fences a send: true when the lease is ours with at least half of it left (renewed first when
   * less is left), false when another relay took it. A read in the common case.
   */
  confirm(): boolean;
  /** Releases the lease if we hold it and stops the heartbeat. */
  release(): void;
}

/** Whether a process with this pid exists on this host. EPERM means it exists but isn't ours. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

interface LockRow {
  owner: string;
  pid: number;
  host: string;
  heartbeat_ms: number;
}

/**
 * A lease on the database's `_sync_lock` row (the table must exist: see `installCapture`). Acquire
 * runs under BEGIN IMMEDIATE, so two processes can never both win.
 *
 * @example
 *   const lock = createLock(db, { onLost: () => relay.pause() });
 *   if (lock.tryAcquire()) { ... } lock.release();
 */
export function createLock(db: Database.Database, opts: LockOptions = {}): SyncLock {
  const leaseMs = opts.leaseMs ?? 15_000;
  const heartbeatMs = opts.heartbeatMs ?? Math.max(1, Math.floor(leaseMs / 3));
  const host = hostname();
  const owner = `${host}:${process.pid}:${randomUUID()}`;
  const read = db.prepare('SELECT owner, pid, host, heartbeat_ms FROM _sync_lock WHERE id = 1');
  const take = db.prepare(
    'INSERT INTO _sync_lock (id, owner, pid, host, heartbeat_ms) VALUES (1, ?, ?, ?, ?) ' +
      'ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host, heartbeat_ms = excluded.heartbeat_ms',
  );
  const renew = db.prepare('UPDATE _sync_lock SET heartbeat_ms = ? WHERE id = 1 AND owner = ?');
  const drop = db.prepare('DELETE FROM _sync_lock WHERE id = 1 AND owner = ?');
  let timer: NodeJS.Timeout | null = null;

  const stopTimer = (): void => {
    if (timer) clearInterval(timer);
    timer = null;
  };

  const lock: SyncLock = {
    owner,
    tryAcquire() {
      const won = db
        .transaction(() => {
          const row = read.get() as LockRow | undefined;
          const now = Date.now();
          const free =
            row === undefined ||
            row.owner === owner ||
            (row.host === host && !pidAlive(row.pid)) ||
            now - row.heartbeat_ms > leaseMs;
          if (free) take.run(owner, process.pid, host, now);
          return free;
        })
        .immediate();
      if (won && timer === null) {
        timer = setInterval(() => lock.heartbeat(), heartbeatMs);
        // The heartbeat alone must not keep a process alive.
        timer.unref();
      }
      return won;
    },
    heartbeat() {
      let ok: boolean;
      try {
        ok = renew.run(Date.now(), owner).changes === 1;
      } catch {
        // A busy database (past busy_timeout): keep the timer, try again at the next beat.
        return true;
      }
      if (!ok && timer !== null) {
        stopTimer();
        opts.onLost?.();
      }
      return ok;
    },
    isHeld() {
      return (read.get() as LockRow | undefined)?.owner === owner;
    },
    confirm() {
      const row = read.get() as LockRow | undefined;
      if (row?.owner !== owner) {
        if (timer !== null) {
          stopTimer();
          opts.onLost?.();
        }
        return false;
      }
      return Date.now() - row.heartbeat_ms <= leaseMs / 2 || lock.heartbeat();
    },
    release() {
      stopTimer();
      try {
        drop.run(owner);
      } catch {
        // The database may already be closed or busy; the lease then simply expires.
      }
    },
  };
  return lock;
}
