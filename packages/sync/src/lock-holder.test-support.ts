/**
 * A tiny second process for lock.test.ts: opens the database, tries the lease, prints `acquired` or
 * `busy`, and (with `hold`) keeps it with heartbeats until killed.
 */
import Database from 'better-sqlite3';
import { createLock } from './lock.ts';

const [path, mode, leaseMs] = process.argv.slice(2);
const db = new Database(path as string);
db.pragma('busy_timeout = 5000');
const lock = createLock(db, { leaseMs: Number(leaseMs ?? 15_000) });
const won = lock.tryAcquire();
process.stdout.write(won ? 'acquired\n' : 'busy\n');
if (mode === 'hold' && won) {
  // Keep the process (and its heartbeat) alive until killed.
  setInterval(() => undefined, 1000);
} else {
  if (won) lock.release();
  db.close();
}
