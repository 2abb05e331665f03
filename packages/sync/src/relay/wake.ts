/**
 * What wakes the relay (SPEC.md, R7 and "Events"): `notify()`, a change of `PRAGMA data_version`
 * (every other connection's commit changes it; checked every few ms), and the fallback poll. A wake
 * that lands while a batch is in flight is kept, so the commit behind it is never missed.
 */
import type Database from 'better-sqlite3';

/** The relay's wakes and sleeps. */
export interface Alarm {
  /** Wakes the relay: ends an idle sleep at once (a backoff sleep ignores it). */
  wake(): void;
  /** Clears the wake: called right before a read of the outbox, which sees every earlier commit. */
  clear(): void;
  /** Sleeps until a wake (when `wakeOnNotify`), `ms`, or `interrupted()` turns true at a wake. */
  sleep(ms: number, wakeOnNotify: boolean): Promise<void>;
  /** Starts watching `data_version` (and marks the relay woken: the outbox is read at once). */
  start(): void;
  stop(): void;
}

/**
 * The alarm of one connection. `interrupted` says whether a sleep must end at once whatever its
 * kind: stop, or a job queued.
 */
export function createAlarm(db: Database.Database, opts: { dataVersionMs: number; interrupted: () => boolean }): Alarm {
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let woken = false;
  let wakeUp: (() => void) | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastDataVersion = 0;

  const wake = (): void => {
    woken = true;
    const w = wakeUp;
    wakeUp = null;
    w?.();
  };

  const checkDataVersion = (): void => {
    try {
      const v = dataVersion.get() as number;
      if (v !== lastDataVersion) {
        lastDataVersion = v;
        wake();
      }
    } catch {
      // busy or closed: the fallback poll still runs
    }
  };

  return {
    wake,
    clear: () => void (woken = false),
    sleep: (ms, wakeOnNotify) =>
      new Promise((resolve) => {
        if (opts.interrupted() || (wakeOnNotify && woken)) return resolve();
        const t = setTimeout(done, ms);
        function done(): void {
          clearTimeout(t);
          if (wakeUp === onWake) wakeUp = null;
          resolve();
        }
        // A backoff sleep ignores notify() (retrying sooner would only hammer a failing backend) but
        // not stop() or a job.
        const onWake = (): void => (wakeOnNotify || opts.interrupted() ? done() : void (wakeUp = onWake));
        wakeUp = onWake;
      }),
    start() {
      woken = true;
      lastDataVersion = dataVersion.get() as number;
      timer = setInterval(checkDataVersion, opts.dataVersionMs);
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
