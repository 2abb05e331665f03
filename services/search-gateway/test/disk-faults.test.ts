/**
 * The gateway's embedded store on a bad disk, for real: a read-only mount, a directory another user
 * owns, a path through a file, a file that is not a database (one line naming the path and the
 * problem at start, exit 1, no stack trace), and a full tmpfs (a retryable 503 in the envelope naming
 * the disk, nothing half written, everything back once space is freed, across a restart).
 *
 * Mounting needs root (`mount -t tmpfs`, `mount --bind`): without it the suite skips loudly, except
 * under CI, where it fails.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GATEWAY_ENTRY, REPO_ROOT, freePort, startGateway, tempDir, type GatewayProcess } from '@fountain/testing';

const KEY = 'disk-faults-test-service-key-0123456789';
const NOBODY = 65534;

/** Whether this machine lets us mount (root with CAP_SYS_ADMIN); CI must. */
const canMount = ((): boolean => {
  const probe = tempDir('mount-probe-');
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe.dir]).status === 0;
  if (ok) spawnSync('umount', [probe.dir]);
  probe.cleanup();
  if (!ok) {
    const msg = 'disk-faults: cannot mount a tmpfs here (needs root); the read-only and full-disk tests are SKIPPED';
    if (process.env.CI) throw new Error(`${msg} — CI must run them`);
    console.warn(`\n!!! ${msg}\n`);
  }
  return ok;
})();

/**
 * Whether a process of user `nobody` can run the gateway from this checkout (root to switch users,
 * and a checkout others may read); the permission test needs a user that root's bypass doesn't cover.
 */
const canRunAsNobody = ((): boolean => {
  const ok =
    process.getuid?.() === 0 &&
    spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(join(REPO_ROOT, GATEWAY_ENTRY))})`], { uid: NOBODY, gid: NOBODY }).status === 0;
  if (!ok) console.warn('\n!!! disk-faults: cannot run the gateway as user nobody here (needs root and a world-readable checkout); the permission test is SKIPPED\n');
  return ok;
})();

const mounted: string[] = [];
const cleanups: Array<() => void> = [];
let gw: GatewayProcess | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
  for (const m of mounted.splice(0)) spawnSync('umount', ['-l', m]);
  for (const c of cleanups.splice(0)) c();
});

function mount(args: string[], dir: string): void {
  const r = spawnSync('mount', [...args, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mount ${args.join(' ')} ${dir}: ${r.stderr}`);
  mounted.push(dir);
}

/** Runs the gateway until it exits (it must, at start); answers the exit code and all it printed. */
function runToExit(env: Record<string, string>, uid?: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, GATEWAY_ENTRY)], {
      cwd: REPO_ROOT,
      env: { ...process.env, NODE_ENV: 'production', TYPESENSE_SERVICE_API_KEY: KEY, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(uid !== undefined && { uid, gid: uid }),
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Exit 1 with exactly one line that names `path` and matches `problem`; no stack, no raw SQLite code alone. */
async function expectOneLine(env: Record<string, string>, path: string, problem: RegExp, uid?: number): Promise<void> {
  const { code, out } = await runToExit({ ...env, PORT: String(await freePort()) }, uid);
  const lines = out.trim().split('\n');
  expect(code, out).toBe(1);
  expect(lines, out).toHaveLength(1);
  expect(lines[0]).toContain(path);
  expect(lines[0]).toMatch(problem);
  expect(out).not.toMatch(/\n\s+at /);
}

describe('an unusable data directory stops the gateway with one line naming the path and the problem', () => {
  it.runIf(canMount)('a read-only file system', async () => {
    const t = tempDir('gw-ro-');
    cleanups.push(t.cleanup);
    mount(['--bind', t.dir], t.dir);
    spawnSync('mount', ['-o', 'remount,ro,bind', t.dir]);
    await expectOneLine({ DATA_DIR: t.dir }, t.dir, /^DATA_DIR: .* cannot be created: .*read-only \(EROFS\)$/);
  }, 120_000);

  it.runIf(canRunAsNobody)('a directory this user may not write, and a missing one it may not create (run as nobody)', async () => {
    const t = tempDir('gw-perm-');
    cleanups.push(t.cleanup);
    const owned = join(t.dir, 'owned-by-root');
    mkdirSync(join(owned, 'search'), { recursive: true });
    chmodSync(t.dir, 0o755);
    await expectOneLine({ DATA_DIR: owned }, join(owned, 'search'), /is not writable: permission denied for uid 65534 .*\(EACCES\)$/, NOBODY);
    await expectOneLine({ DATA_DIR: join(owned, 'missing') }, join(owned, 'missing', 'search'), /does not exist and cannot be created: .*permission denied.*\(EACCES\)$/, NOBODY);
  }, 120_000);

  it('a path through a file, and a store file that is not a database', async () => {
    const t = tempDir('gw-file-');
    cleanups.push(t.cleanup);
    writeFileSync(join(t.dir, 'a-file'), 'x');
    await expectOneLine({ DATA_DIR: join(t.dir, 'a-file') }, join(t.dir, 'a-file'), /is a file, not a directory$/);
    mkdirSync(join(t.dir, 'bad', 'search'), { recursive: true });
    writeFileSync(join(t.dir, 'bad', 'search', 'search.db'), 'not a database, just text that is long enough to be read as a header');
    await expectOneLine({ DATA_DIR: join(t.dir, 'bad') }, join(t.dir, 'bad', 'search', 'search.db'), /not a SQLite database \(SQLITE_NOTADB\)$/);
  }, 120_000);
});

describe.runIf(canMount)('a full disk under the embedded store (a real tmpfs)', () => {
  it('answers a retryable 503 naming the disk, stores nothing of the failed write, and recovers once space is freed', async () => {
    const t = tempDir('gw-full-');
    cleanups.push(t.cleanup);
    mount(['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs'], t.dir);
    // Space to give back later: the store itself must be what fills the rest.
    const filler = join(t.dir, 'filler');
    writeFileSync(filler, Buffer.alloc(512 * 1024));
    gw = await startGateway({ serviceKey: KEY, env: { DATA_DIR: t.dir } });
    const call = (method: string, path: string, body?: string) =>
      fetch(`${gw!.url}${path}`, {
        method,
        headers: { 'X-TYPESENSE-API-KEY': KEY, 'Content-Type': path.includes('/import') ? 'text/plain' : 'application/json' },
        ...(body !== undefined && { body }),
      });
    expect((await call('POST', '/collections', JSON.stringify({ name: 't', fields: [{ name: 'body', type: 'string' }] }))).status).toBe(201);

    const batchOf = (b: number): string[] =>
      Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `b${b}-${i}`, body: `batch ${b} ${'lorem ipsum dolor '.repeat(100)}` }));
    const acknowledged = new Set<string>();
    let failed: { status: number; retryAfter: string | null; body: Record<string, unknown>; batch: number } | undefined;
    for (let b = 0; b < 200 && !failed; b++) {
      const res = await call('POST', '/collections/t/documents/import?action=create', batchOf(b).join('\n'));
      const text = await res.text();
      if (res.status !== 200) {
        failed = { status: res.status, retryAfter: res.headers.get('retry-after'), body: JSON.parse(text) as Record<string, unknown>, batch: b };
        break;
      }
      for (const l of text.split('\n')) {
        const r = JSON.parse(l) as { success: boolean; error?: string };
        expect(r.success, l).toBe(true);
      }
      for (let i = 0; i < 40; i++) acknowledged.add(`b${b}-${i}`);
    }
    expect(failed, 'the disk never filled').toBeDefined();
    expect(acknowledged.size, JSON.stringify(failed)).toBeGreaterThan(0);
    expect(failed!.status).toBe(503);
    expect(failed!.retryAfter).toBe('30');
    expect(Object.keys(failed!.body).sort()).toEqual(['details', 'errorCode', 'message']);
    expect(failed!.body.errorCode).toBe('SEARCH_BACKEND_UNAVAILABLE');
    expect(failed!.body.message).toContain(join(t.dir, 'search'));
    expect(failed!.body.message).toMatch(/is full: nothing of this write was stored/);
    expect(failed!.body.details).toMatchObject({ reason: 'disk_full', retryable: true, path: join(t.dir, 'search') });
    const exported = async (): Promise<string[]> =>
      (await (await call('GET', '/collections/t/documents/export')).text()).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id).sort();
    // Nothing half written: exactly the acknowledged documents, in the export and in the count.
    expect(await exported()).toEqual([...acknowledged].sort());
    expect(((await (await call('GET', '/collections/t')).json()) as { num_documents: number }).num_documents).toBe(acknowledged.size);

    // Space freed: the same batch goes through, and everything survives a restart.
    rmSync(filler);
    const retry = await call('POST', '/collections/t/documents/import?action=create', batchOf(failed!.batch).join('\n'));
    expect(retry.status).toBe(200);
    expect((await retry.text()).split('\n').every((l) => (JSON.parse(l) as { success: boolean }).success)).toBe(true);
    for (let i = 0; i < 40; i++) acknowledged.add(`b${failed!.batch}-${i}`);
    expect(await gw.stop()).toBe(0);
    gw = await startGateway({ serviceKey: KEY, env: { DATA_DIR: t.dir, LOG_LEVEL: 'info' } });
    expect(await exported()).toEqual([...acknowledged].sort());
    expect(gw.output()).not.toContain('repaired at start');
  }, 180_000);
});
