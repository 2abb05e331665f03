import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Agent, request } from 'undici';
import { freePort } from './free-port.ts';
import { REPO_ROOT } from './service-process.ts';
import { tempDir } from './temp-dir.ts';

/** Whether Debian's `caddy` is on PATH. */
export function caddyAvailable(): boolean {
  return spawnSync('caddy', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether tests needing Caddy can run. Without the binary they are skipped with a loud message,
 * except under CI (`CI=true`, set by `.ci/run`, which installs it), where that is an error.
 */
export function requireCaddy(): boolean {
  if (caddyAvailable()) return true;
  if (process.env.CI === 'true') throw new Error('CI=true but no caddy on PATH: .ci/run installs it (apt-get install caddy)');
  console.warn('\n!! caddy not found: the TLS tests are SKIPPED (apt-get install caddy)\n');
  return false;
}

/** A real Caddy serving the repository's `deploy/Caddyfile` on loopback ports. */
export interface CaddyServer {
  httpsUrl: string;
  httpUrl: string;
  /** Caddy's local root certificate (PEM), to trust in clients. */
  rootCa: string;
  /** An undici dispatcher that trusts {@link rootCa}. */
  dispatcher: Agent;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `caddy run` on `deploy/Caddyfile` with `tls internal`, its own data dir (so its local CA is
 * fresh and never installed anywhere), the admin API off, and the given edge upstreams; waits until
 * HTTPS answers `/health` through it.
 *
 * @example
 *   const caddy = await startCaddy({ upstreams: [edgeA.url, edgeB.url] });
 *   await request(`${caddy.httpsUrl}/health`, { dispatcher: caddy.dispatcher });
 */
export async function startCaddy(opts: { upstreams: string[]; env?: Record<string, string> }): Promise<CaddyServer> {
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  const dirs = tempDir('caddy-test-');
  const child = spawn('caddy', ['run', '--config', resolve(REPO_ROOT, 'deploy/Caddyfile'), '--adapter', 'caddyfile'], {
    cwd: dirs.dir,
    env: {
      ...process.env,
      HOME: dirs.dir,
      XDG_DATA_HOME: join(dirs.dir, 'data'),
      XDG_CONFIG_HOME: join(dirs.dir, 'config'),
      SITE_ADDRESS: 'localhost',
      TLS: 'internal',
      HTTP_PORT: String(httpPort),
      HTTPS_PORT: String(httpsPort),
      CADDY_ADMIN: 'off',
      EDGE_UPSTREAMS: opts.upstreams.map((u) => new URL(u).host).join(' '),
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer): void => {
    out = (out + c.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    dirs.cleanup();
  };

  const caFile = join(dirs.dir, 'data', 'caddy', 'pki', 'authorities', 'local', 'root.crt');
  const httpsUrl = `https://localhost:${httpsPort}`;
  const deadline = Date.now() + 30_000;
  let dispatcher: Agent | undefined;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`caddy exited with ${child.exitCode}:\n${out}`);
    }
    if (dispatcher === undefined && existsSync(caFile)) dispatcher = new Agent({ connect: { ca: readFileSync(caFile, 'utf8') } });
    if (dispatcher !== undefined) {
      try {
        const res = await request(`${httpsUrl}/health`, { dispatcher, headersTimeout: 2_000, bodyTimeout: 2_000 });
        await res.body.text();
        if (res.statusCode === 200) break;
      } catch {
        // certificate not issued yet, or not listening yet
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`caddy did not serve ${httpsUrl}/health:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    httpsUrl,
    httpUrl: `http://localhost:${httpPort}`,
    rootCa: readFileSync(caFile, 'utf8'),
    dispatcher,
    output: () => out,
    async stop() {
      await dispatcher?.close();
      await stop();
    },
  };
}
