import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@fountain/testing';
import type { ClientCase, DriverLine } from './client-cases.test-support.ts';

/**
 * The Python and Go clients' drivers as processes. `.ci/run` installs what they need (a virtualenv
 * with the pinned `typesense` package, and Go modules through the proxy); locally a missing one is
 * skipped with a loud message, and under REQUIRE_CLIENT_DRIVERS=1 (CI) it fails instead.
 */

const DRIVERS = join(REPO_ROOT, 'services/search-gateway/test/conformance/drivers');

/** The virtualenv `.ci/run` creates (git-ignored). */
export const VENV_PYTHON = join(REPO_ROOT, '.venv/bin/python');

function missing(what: string, fix: string): null {
  if (process.env.REQUIRE_CLIENT_DRIVERS === '1') throw new Error(`REQUIRE_CLIENT_DRIVERS=1 but ${what}: ${fix}`);
  console.warn(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n!! ${what}: its conformance cases are SKIPPED.\n!! ${fix}\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`);
  return null;
}

/** A driver: the command that runs it. */
export interface Driver {
  command: string;
  args: string[];
}

/** The Python driver, when the virtualenv has the `typesense` package. */
export function pythonDriver(): Driver | null {
  const ok = existsSync(VENV_PYTHON) && spawnSync(VENV_PYTHON, ['-c', 'import typesense'], { stdio: 'ignore' }).status === 0;
  if (!ok) {
    return missing(
      'the Python typesense client is not installed in .venv',
      `python3 -m venv .venv && .venv/bin/pip install -r ${join('services/search-gateway/test/conformance/drivers/python/requirements.txt')}`,
    );
  }
  return { command: VENV_PYTHON, args: [join(DRIVERS, 'python/driver.py')] };
}

/**
 * Builds the Go driver once into `outDir` (asynchronously, so servers can start meanwhile); null when
 * Go is absent. A failed build throws with Go's output.
 */
export async function buildGoDriver(outDir: string): Promise<Driver | null> {
  const go = spawnSync('go', ['version'], { stdio: 'ignore' });
  if (go.status !== 0) return missing('Go is not installed', 'install Go 1.22+ (the driver takes typesense-go from the Go module proxy)');
  const bin = join(outDir, 'go-driver');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('go', ['build', '-o', bin, '.'], { cwd: join(DRIVERS, 'go'), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 480_000);
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, output });
    });
  });
  if (code !== 0) throw new Error(`go build of the Go driver failed:\n${output.slice(-4000)}`);
  return { command: bin, args: [] };
}

/** Runs a driver over the cases against one base URL and key; answers its lines, one per case. */
export function runDriver(driver: Driver, url: string, key: string, cases: ClientCase[]): Promise<DriverLine[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(driver.command, driver.args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(new Error(`${driver.command} exited with ${code}:\n${err.slice(-4000)}`));
        return;
      }
      resolve(out.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as DriverLine));
    });
    child.stdin.end(JSON.stringify({ url, key, cases: cases.map((c) => ({ name: c.name, steps: c.steps })) }));
  });
}
