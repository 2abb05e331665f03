import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { freePort } from './free-port.ts';

/** The repository root, for locating service entry points. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** A service started as its own Node.js process, as in production. */
export interface ServiceProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Everything the process printed so far (stdout and stderr), for assertions and failure messages. */
  output(): string;
  /** SIGTERM (graceful shutdown), then SIGKILL after the grace period; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once, as in a crash (the whole process group, when started with `processGroup`). */
  kill(): Promise<void>;
}

/**
 * Starts a TypeScript entry point (run through tsx) with the given environment plus PORT, and waits
 * until `GET <healthPath>` answers 200.
 *
 * @example
 *   const gw = await startService({ entry: 'services/search-gateway/src/server.ts', env: { DATA_DIR: dir } });
 */
export async function startService(opts: {
  entry: string;
  env?: Record<string, string>;
  port?: number;
  healthPath?: string;
  timeoutMs?: number;
  /** Extra Node.js flags, e.g. `--cpu-prof` for profiling. */
  nodeArgs?: string[];
  /** Run this executable with these arguments instead of `node --import tsx <entry>` (e.g. a package's bin). */
  command?: { file: string; args: string[] };
  /** Start it as its own process group, so `kill()` SIGKILLs the whole tree, as a crash of a host would. */
  processGroup?: boolean;
  /** How much of the output `output()` keeps, from the end (default 20,000 characters). */
  outputLimit?: number;
}): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const entry = resolve(REPO_ROOT, opts.entry);
  const [file, args] = opts.command ? [opts.command.file, opts.command.args] : [process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', entry]];
  const child: ChildProcess = spawn(file, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...opts.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.processGroup === true,
  });
  const signal = (sig: NodeJS.Signals): void => {
    if (opts.processGroup && child.pid !== undefined) {
      try {
        process.kill(-child.pid, sig);
        return;
      } catch {
        // the group is gone already
      }
    }
    child.kill(sig);
  };
  let out = '';
  const keep = (chunk: Buffer): void => {
    out = (out + chunk.toString()).slice(-(opts.outputLimit ?? 20_000));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${opts.entry} exited with ${child.exitCode}:\n${out}`);
    try {
      const res = await fetch(`${url}${opts.healthPath ?? '/health'}`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      signal('SIGKILL');
      throw new Error(`${opts.entry} did not become healthy on ${url}:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    url,
    port,
    pid: child.pid ?? -1,
    output: () => out,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signal('SIGKILL');
      await exited;
    },
  };
}
