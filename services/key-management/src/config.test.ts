import { DEV_JWT_SECRET, DEV_KMS_MASTER_KEY } from '@fountain/kit';
import { describe, expect, it } from 'vitest';
import { DEV_PROVISION, readSettings } from './config.ts';

const read = (env: Record<string, string>) => readSettings(env, false);
const problemsOf = (env: Record<string, string>): string => {
  try {
    read(env);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
};

describe('KMS settings', () => {
  it('development: everything has a default (dev master key, dev JWT secret, the dev services)', () => {
    const s = read({});
    expect(s.config.PORT).toBe(8003);
    expect(s.masterKey.toString('hex')).toBe(DEV_KMS_MASTER_KEY);
    expect(s.jwt.secret).toBe(DEV_JWT_SECRET);
    expect(s.provision).toEqual(DEV_PROVISION);
    expect(s.config.KEY_GRACE_PERIOD_SEC).toBe(600);
  });

  it('production refuses to start without a master key, with the dev one, or without JWT settings, and says why', () => {
    const msg = problemsOf({ NODE_ENV: 'production' });
    expect(msg).toMatch(/KMS_MASTER_KEY: required in production/);
    expect(msg).toMatch(/JWT_SECRET or JWT_JWKS_URL: required in production/);
    expect(problemsOf({ NODE_ENV: 'production', KMS_MASTER_KEY: DEV_KMS_MASTER_KEY, JWT_SECRET: 'x'.repeat(40) })).toMatch(/development master key is refused/);
    const ok = read({ NODE_ENV: 'production', KMS_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'), JWT_JWKS_URL: 'https://idp.example/jwks.json' });
    expect(ok.provision).toEqual([]);
  });

  it('a malformed master key or KMS_SERVICES is named, the key never echoed', () => {
    const msg = problemsOf({ KMS_MASTER_KEY: 'not-32-bytes-secret-value', KMS_SERVICES: '[{"service":"x","collections":[],"actions":["bogus"]}]' });
    expect(msg).toMatch(/KMS_MASTER_KEY: must be 32 bytes/);
    expect(msg).not.toContain('not-32-bytes-secret-value');
    expect(msg).toMatch(/KMS_SERVICES/);
  });
});
