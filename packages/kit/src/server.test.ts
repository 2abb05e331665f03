import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createApp } from './create-app.ts';
import { createLogger } from './logger.ts';
import { runServer } from './server.ts';

describe('runServer', () => {
  it('listens, lets in-flight requests finish on shutdown, then runs onClose', async () => {
    const logger = createLogger({ name: 't', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
    const app = createApp({ name: 't', version: '1', logger });
    let release: () => void = () => {};
    app.get('/slow', async () => {
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
    await new Promise((r) => setTimeout(r, 50));
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
});
