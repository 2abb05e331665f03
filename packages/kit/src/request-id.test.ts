import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createApp } from './create-app.ts';
import { createLogger } from './logger.ts';
import { isValidRequestId, requestIdHeaders } from './request-id.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('validates caller ids', () => {
    expect(isValidRequestId('abc-123_X.y:z')).toBe(true);
    expect(isValidRequestId('a'.repeat(128))).toBe(true);
    expect(isValidRequestId('a'.repeat(129))).toBe(false);
    expect(isValidRequestId('')).toBe(false);
    expect(isValidRequestId('has space')).toBe(false);
    expect(isValidRequestId('inject\n{"level":60}')).toBe(false);
    expect(isValidRequestId(['a', 'b'])).toBe(false);
  });

  it('accepts a valid id, generates otherwise, echoes it, logs it as reqId and propagates it', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        cb();
      },
    });
    const app = createApp({ name: 't', version: '1', logger: createLogger({ name: 't', destination }) });
    app.get('/outgoing', async (request) => requestIdHeaders(request));

    const accepted = await app.inject({ url: '/outgoing', headers: { 'x-request-id': 'caller-id.42' } });
    expect(accepted.headers['x-request-id']).toBe('caller-id.42');
    expect(accepted.json()).toEqual({ 'x-request-id': 'caller-id.42' });

    const generated = await app.inject({ url: '/outgoing', headers: { 'x-request-id': 'bad id!' } });
    expect(generated.headers['x-request-id']).toMatch(UUID);
    expect(generated.json()).toEqual({ 'x-request-id': generated.headers['x-request-id'] });

    const none = await app.inject({ url: '/missing' });
    expect(none.statusCode).toBe(404);
    expect(none.headers['x-request-id']).toMatch(UUID);

    await app.close();
    const logged = lines.map((l) => JSON.parse(l) as { reqId?: string });
    expect(logged.some((l) => l.reqId === 'caller-id.42')).toBe(true);
    expect(logged.some((l) => l.reqId === 'bad id!')).toBe(false);
  });
});
