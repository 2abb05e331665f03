import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createApp } from './create-app.ts';
import { createLogger } from './logger.ts';
import { LAUNCHER_PID_VAR, runServer } from './server.ts';

describe('runServer', () => {
  it('listens, lets in-flight requests finish on shutdown, then runs onClose', async () => {
    const logger = createLogger({ name: 't', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const app = createApp({ name: 't', version: '1', logger });
    let release: () => void = () => {};
    // Resolved once the slow request is inside its handler: shutdown must start only then, or the
    // request is refused as arriving during the close (a timing race on a loaded machine).
    let entered: () => void = () => {};
    const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
    app.get('/slow', async () => {
      entered();
      await new Promise<void>((resolve) => (release = resolve));
      return { done: true };
    });
    const events: string[] = [];
    const listenersBefore = process.listenerCount('SIGTERM');
    const server = await runServer(app, {
      port: 0,
      host: '127.0.0.1',
      logger,
      onClose: async () => {
        events.push('onClose');
      },
    });
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore + 1);
    expect((await fetch(`${server.address}/health`)).status).toBe(200);

    const inFlight = fetch(`${server.address}/slow`).then(async (r) => {
      events.push('response');
      return r.json();
    });
    await handlerEntered;
    const closing = server.close();
    await new Promise((r) => setTimeout(r, 50));
    // No new connections once shutdown has started.
    await expect(fetch(`${server.address}/health`)).rejects.toThrow();
    release();
    expect(await inFlight).toEqual({ done: true });
    await closing;
    expect(events).toEqual(['response', 'onClose']);
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore);
  });

  it('shuts down on SIGTERM: drains, runs onClose and exits 0', async () => {
    const index = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = `
      import { createApp, createLogger, runServer } from ${JSON.stringify(index)};
      const logger = createLogger({ name: 'sig' });
      const app = createApp({ name: 'sig', version: '1', logger });
      await runServer(app, { port: 0, host: '127.0.0.1', logger, onClose: async () => { console.log('ONCLOSE'); } });
      console.log('READY');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      // Once: a second SIGTERM during the graceful close means "exit now" to close-with-grace.
      if (!signalled && out.includes('READY')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(out).toContain('ONCLOSE');
    expect(out).toContain('"signal":"SIGTERM"');
    expect(out).toContain('shutdown complete');
  });

  it('exits when its launcher is gone (the IPC channel closes), only when the launcher asked for it', async () => {
    const index = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = `
      import { createApp, createLogger, runServer } from ${JSON.stringify(index)};
      const logger = createLogger({ name: 'launched' });
      const app = createApp({ name: 'launched', version: '1', logger });
      await runServer(app, { port: 0, host: '127.0.0.1', logger, onClose: async () => { console.log('ONCLOSE'); } });
      console.log('READY');
    `;
    const launch = (env: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        env: { ...process.env, ...env },
      });
      let out = '';
      child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const ready = (async () => {
        while (!out.includes('READY')) await new Promise((r) => setTimeout(r, 20));
      })();
      return { child, exited, ready, out: () => out };
    };
    const children: Array<ReturnType<typeof launch>> = [];
    try {
      // Launched by us, with FOUNTAIN_LAUNCHER_PID: closing the channel (as the launcher's death does) stops it.
      const launched = launch({ [LAUNCHER_PID_VAR]: String(process.pid) });
      children.push(launched);
      await launched.ready;
      launched.child.disconnect();
      expect(await launched.exited).toBe(0);
      expect(launched.out()).toContain('the launcher is gone');
      expect(launched.out()).toContain('ONCLOSE');

      // Without the variable (a test runner's worker, a supervisor): a closed channel changes nothing.
      const plain = launch({ [LAUNCHER_PID_VAR]: '' });
      children.push(plain);
      await plain.ready;
      plain.child.disconnect();
      await new Promise((r) => setTimeout(r, 1500));
      expect(plain.child.exitCode).toBeNull();
      plain.child.kill('SIGTERM');
      expect(await plain.exited).toBe(0);
    } finally {
      // Never leave one running when an assertion or the timeout cut the test short.
      for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
    }
  }, 60_000);
});
