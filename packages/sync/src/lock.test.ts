import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installCapture } from './capture.ts';
import { createLock, pidAlive } from './lock.ts';
import { openDb, tempDir } from './relay/fixtures.test-support.ts';

const HOLDER = fileURLToPath(new URL('./lock-holder.test-support.ts', import.meta.url));

/** Runs the holder script in a real second Node.js process; resolves with it once it printed its verdict. */
function holder(path: string, mode: 'hold' | 'try', leaseMs = 15_000): Promise<{ child: ChildProcess; verdict: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, path, mode, String(leaseMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, verdict: line.trim() });
    });
    child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}: ${out}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('sync lock', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Database.Database;
  let path: string;
  const children: ChildProcess[] = [];
  beforeEach(() => {
    tmp = tempDir();
    path = join(tmp.dir, 'app.db');
    db = openDb(path);
    installCapture(db, []);
  });
  afterEach(async () => {
    await Promise.all(children.splice(0).map(killed));
    db.close();
    tmp.cleanup();
  });

  it('is exclusive within a process; release frees it; an expired lease is taken over', async () => {
    const a = createLock(db, { leaseMs: 200 });
    const b = createLock(db, { leaseMs: 200 });
    expect(a.tryAcquire()).toBe(true);
    expect(a.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    a.release();
    expect(b.tryAcquire()).toBe(true);
    expect(b.isHeld()).toBe(true);
    // b stops heartbeating (as a stalled process would): after the lease, a takes over; b notices.
    let lost = false;
    const c = createLock(db, { leaseMs: 100, heartbeatMs: 10_000, onLost: () => (lost = true) });
    b.release();
    expect(c.tryAcquire()).toBe(true);
    expect(a.tryAcquire()).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect(a.tryAcquire()).toBe(true);
    expect(c.heartbeat()).toBe(false);
    expect(lost).toBe(true);
    a.release();
  });

  it('holds across processes: a second process cannot take a live lease, and we cannot take its lease', async () => {
    const mine = createLock(db);
    expect(mine.tryAcquire()).toBe(true);
    expect((await holder(path, 'try')).verdict).toBe('busy');
    mine.release();

    const h = await holder(path, 'hold');
    children.push(h.child);
    expect(h.verdict).toBe('acquired');
    const other = createLock(db);
    expect(other.tryAcquire()).toBe(false);
    const row = db.prepare('SELECT pid FROM _sync_lock').get() as { pid: number };
    expect(row.pid).toBe(h.child.pid);
  });

  it('takes over at once when the holder was SIGKILLed (dead pid on this host), long before the lease expires', async () => {
    const h = await holder(path, 'hold', 60_000);
    children.push(h.child);
    expect(h.verdict).toBe('acquired');
    const mine = createLock(db, { leaseMs: 60_000 });
    expect(mine.tryAcquire()).toBe(false);
    const pid = h.child.pid as number;
    await killed(h.child);
    expect(pidAlive(pid)).toBe(false);
    const started = Date.now();
    expect(mine.tryAcquire()).toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    mine.release();
  });
  it('confirm(): a read while the lease is fresh, a renewal past half of it, false once another took it', () => {
    let lost = 0;
    const lock = createLock(db, { leaseMs: 10_000, heartbeatMs: 60_000, onLost: () => lost++ });
    expect(lock.tryAcquire()).toBe(true);
    const beat = db.prepare('SELECT heartbeat_ms FROM _sync_lock').pluck();
    const fresh = beat.get() as number;
    expect(lock.confirm()).toBe(true);
    expect(beat.get()).toBe(fresh);
    db.prepare('UPDATE _sync_lock SET heartbeat_ms = ?').run(Date.now() - 6_000);
    expect(lock.confirm()).toBe(true);
    expect(beat.get() as number).toBeGreaterThanOrEqual(fresh);
    db.prepare("UPDATE _sync_lock SET owner = 'someone-else', pid = 1").run();
    expect(lock.confirm()).toBe(false);
    expect(lost).toBe(1);
    lock.release();
  });
});
