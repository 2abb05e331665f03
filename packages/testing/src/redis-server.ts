import { spawn, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './free-port.ts';

/** A real redis-server on a loopback port, without persistence. */
export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Whether Debian's `redis-server` is on PATH. */
export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Whether tests needing Redis can run. Without the binary they are skipped with a loud message,
 * except under CI (`CI=true`, set by `.ci/run`, which installs it), where that is an error.
 */
export function requireRedis(): boolean {
  if (redisAvailable()) return true;
  if (process.env.CI === 'true') throw new Error('CI=true but no redis-server on PATH: .ci/run installs it (apt-get install redis-server)');
  console.warn('\n!! redis-server not found: the shared rate-limit tests are SKIPPED (apt-get install redis-server)\n');
  return false;
}

/**
 * Starts redis-server on a free loopback port and waits until it answers PING.
 *
 * @example
 *   const redis = await startRedis(); // ... new Redis(redis.url) ...; await redis.stop();
 */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pong = await new Promise<boolean>((resolve) => {
      const socket = createConnection(port, '127.0.0.1');
      socket.once('error', () => resolve(false));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.write('PING\r\n');
    });
    if (pong) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
