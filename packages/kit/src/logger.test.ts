import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createApp } from './create-app.ts';
import { AppError } from './errors.ts';
import { createLogger, redactUrl } from './logger.ts';

/** A destination that keeps every log line. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream, text: () => lines.join('\n') };
}

describe('createLogger', () => {
  it('writes JSON lines with the service name', () => {
    const out = capture();
    createLogger({ name: 'svc', destination: out.stream }).info({ n: 1 }, 'hello');
    const line = JSON.parse(out.lines[0] ?? '{}') as Record<string, unknown>;
    expect(line).toMatchObject({ name: 'svc', msg: 'hello', n: 1, level: 30 });
  });

  it('redacts secret headers and secret-named fields', () => {
    const out = capture();
    const log = createLogger({ name: 'svc', destination: out.stream });
    log.info({ req: { headers: { authorization: 'Bearer s3cret-a', 'x-api-key': 's3cret-b', cookie: 's3cret-c' } } });
    log.info({ headers: { 'x-typesense-api-key': 's3cret-d', authorization: 's3cret-e' } });
    log.info({ typesense: { apiKey: 's3cret-f' }, db: { password: 's3cret-g' }, jwt: { token: 's3cret-h' } });
    log.info({ node: { api_key: 's3cret-i', secret: 's3cret-j' }, apiKey: 's3cret-k' });
    expect(out.text()).not.toMatch(/s3cret/);
    expect(out.text()).toContain('[redacted]');
  });

  it('strips API keys from URLs', () => {
    expect(redactUrl('/collections/x/documents/search?q=a&x-typesense-api-key=abc&per_page=2')).toBe(
      '/collections/x/documents/search?q=a&x-typesense-api-key=[redacted]&per_page=2',
    );
    expect(redactUrl('/health')).toBe('/health');
  });

  it('never logs a presented key, whichever way it is sent', async () => {
    const out = capture();
    const logger = createLogger({ name: 'svc', level: 'trace', destination: out.stream });
    const key = { id: 'svc', value: 'top-secret-key-value', collections: ['*'], actions: ['*'] };
    const app = createApp({ name: 'svc', version: '1', logger, keys: [key] });
    app.get('/thing', async () => {
      throw new Error('boom');
    });
    await app.inject({ url: '/thing', headers: { 'x-api-key': 'top-secret-key-value' } });
    await app.inject({ url: '/thing', headers: { authorization: 'Bearer top-secret-key-value' } });
    await app.inject({ url: '/thing?x-typesense-api-key=top-secret-key-value' });
    await app.inject({ url: '/thing', headers: { 'x-typesense-api-key': 'wrong-secret-key-value' } });
    await app.close();
    expect(out.lines.length).toBeGreaterThan(4);
    expect(out.text()).not.toContain('secret-key-value');
    expect(out.text()).toContain('"keyId":"svc"');
  });

  it("never writes an HTTP client's config: an axios error's headers carry the admin key", () => {
    const out = capture();
    const log = createLogger({ name: 'svc', destination: out.stream });
    // The shape the official Typesense client throws (an AxiosError), wrapped as our AppError's cause.
    const axiosLike = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8108'), {
      code: 'ECONNREFUSED',
      isAxiosError: true,
      config: { url: '/collections', headers: { 'X-TYPESENSE-API-KEY': 'adm1n-secret-value' }, params: { q: '*' } },
      request: { _header: 'GET /x HTTP/1.1\r\nX-TYPESENSE-API-KEY: adm1n-secret-value' },
      response: { config: { headers: { 'X-TYPESENSE-API-KEY': 'adm1n-secret-value' } } },
    });
    const err = new AppError('SEARCH_BACKEND_UNAVAILABLE', 'Typesense unreachable', { cause: axiosLike });
    log.error({ err }, 'request failed');
    log.error({ error: axiosLike }, 'as error');
    log.warn({ failure: axiosLike }, 'under another name');
    const text = out.text();
    expect(text).not.toContain('adm1n-secret-value');
    const line = JSON.parse(out.lines[0] ?? '{}') as { err: { errorCode?: string; code?: string; cause?: { code?: string; message?: string } } };
    expect(line.err.code).toBe('SEARCH_BACKEND_UNAVAILABLE');
    expect(line.err.cause).toMatchObject({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:8108' });
  });

  it('masks every configured secret in any line, whatever a library put in the message', () => {
    const out = capture();
    const log = createLogger({ name: 'svc', destination: out.stream, secrets: ['configured-key-1234', 'quo"te\\key-99', undefined, 'short'] });
    log.warn('Request #1 failed: GET http://gw/x?x-typesense-api-key=configured-key-1234');
    log.warn({ detail: 'key quo"te\\key-99 here' }, 'escaped form');
    log.info('a short word stays');
    const text = out.text();
    expect(text).not.toContain('configured-key-1234');
    expect(text).not.toContain('key-99');
    expect(text).toContain('[redacted]');
    expect(text).toContain('short word');
  });
});
