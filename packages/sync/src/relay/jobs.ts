/**
 * Exclusive jobs (SPEC.md, R8): `runExclusive(fn)` runs `fn` between batches, never while one is
 * read, sent or acknowledged. Setup and `beforeBatch` run as jobs too, so a `runExclusive` called
 * from inside one runs at once instead of waiting for itself.
 */

interface Job {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** The relay's job queue. */
export interface Jobs {
  /** Whether a job is waiting (a sleep ends for it). */
  queued(): boolean;
  /** Whether a job (or a hook) is running now. */
  running(): boolean;
  /** Queues `fn` for the next gap between batches. */
  enqueue<T>(fn: () => T | Promise<T>): Promise<T>;
  /** Runs every queued job, in order; `beforeEach` runs first for each (the read-ahead is dropped). */
  runQueued(beforeEach: () => void): Promise<void>;
  /** Runs a hook of the relay's own as a job: now, with `running()` true while it runs. */
  asJob<T>(fn: () => Promise<T>): Promise<T>;
}

/** An empty job queue. */
export function createJobs(): Jobs {
  const queue: Job[] = [];
  let inJob = false;
  const asJob = async <T>(fn: () => Promise<T>): Promise<T> => {
    inJob = true;
    try {
      return await fn();
    } finally {
      inJob = false;
    }
  };
  return {
    queued: () => queue.length > 0,
    running: () => inJob,
    enqueue: <T>(fn: () => T | Promise<T>): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      }),
    async runQueued(beforeEach) {
      while (queue.length > 0) {
        const job = queue.shift() as Job;
        beforeEach();
        try {
          job.resolve(await asJob(async () => job.fn()));
        } catch (err) {
          job.reject(err);
        }
      }
    },
    asJob,
  };
}
