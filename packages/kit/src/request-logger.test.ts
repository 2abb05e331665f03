import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from './logger.ts';
import { DeferredChildLogger, deferredChildLoggerFactory } from './request-logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, stream };
}

const normalize = (line: string): string => line.replace(/"time":\d+/, '"time":0');

describe('deferredChildLoggerFactory', () => {
  it('writes exactly the lines of an eager child, bindings, redaction and all', () => {
    const eager = capture();
    const deferred = capture();
    const err = new Error('boom');
    const write = (log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void }) => {
      log.info({ token: 'secret-t', n: 1 }, 'first');
      log.error({ err, headers: { authorization: 'secret-a' } }, 'second');
    };
    const a = createLogger({ name: 'svc', destination: eager.stream });
    write(a.child({ reqId: 'r1' }).child({ keyId: 'k' }));
    const b = createLogger({ name: 'svc', destination: deferred.stream });
    write(deferredChildLoggerFactory(b, { reqId: 'r1' }, {}).child({ keyId: 'k' }));
    expect(deferred.lines.map(normalize)).toEqual(eager.lines.map(normalize));
    expect(deferred.lines.join('\n')).not.toContain('secret-');
  });

  it('makes no pino child until a line at an enabled level is written', () => {
    const out = capture();
    const base = createLogger({ name: 'svc', level: 'warn', destination: out.stream });
    const spy = vi.spyOn(base, 'child');
    const log = deferredChildLoggerFactory(base, { reqId: 'r2' }, {}).child({ keyId: 'k' });
    log.info('not written');
    log.debug('not written');
    expect(spy).not.toHaveBeenCalled();
    log.warn('written');
    // The chain an eager logger makes: the request's child, then the key's (pino children inherit child()).
    expect(spy.mock.calls.map((c) => c[0])).toEqual([{ reqId: 'r2' }, { keyId: 'k' }]);
    expect(out.lines).toHaveLength(1);
    expect(JSON.parse(out.lines[0] ?? '{}')).toMatchObject({ reqId: 'r2', keyId: 'k', msg: 'written', level: 40 });
  });

  it('follows the level of the logger above it, and a level set on it', () => {
    const out = capture();
    const base = createLogger({ name: 'svc', level: 'warn', destination: out.stream });
    const log = deferredChildLoggerFactory(base, { reqId: 'r3' }, {});
    expect(log).toBeInstanceOf(DeferredChildLogger);
    expect(log.level).toBe('warn');
    base.level = 'info';
    log.info('now written');
    log.level = 'error';
    log.warn('not written');
    expect(out.lines.map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['now written']);
  });

  it('makes an eager child when the route asks for its own level', () => {
    const base = createLogger({ name: 'svc', destination: capture().stream });
    const log = deferredChildLoggerFactory(base, { reqId: 'r4' }, { level: 'debug' });
    expect(log).not.toBeInstanceOf(DeferredChildLogger);
    expect(log.level).toBe('debug');
  });
});
