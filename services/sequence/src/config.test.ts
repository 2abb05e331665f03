import { describe, expect, it } from 'vitest';
import { ConfigError } from '@fountain/kit';
import { parseDatabaseUrl, readSettings } from './config.ts';

describe('parseDatabaseUrl', () => {
  it.each([
    ['sqlite:///./data/sequence.db', { path: './data/sequence.db' }],
    ['sqlite:///database.db', { path: 'database.db' }],
    ['sqlite:////var/lib/seq.db', { path: '/var/lib/seq.db' }],
    ['sqlite://', { path: ':memory:' }],
    ['./plain.db', { path: './plain.db' }],
  ])('%s', (url, want) => {
    expect(parseDatabaseUrl(url)).toEqual(want);
  });

  it('refuses other schemes and a missing path', () => {
    expect(parseDatabaseUrl('postgres://x/y')).toHaveProperty('problem');
    expect(parseDatabaseUrl('sqlite:///')).toHaveProperty('problem');
  });
});

describe('readSettings', () => {
  it('has working development defaults (the seeds\' port and keys)', () => {
    const s = readSettings({}, false);
    expect(s.config.PORT).toBe(8000);
    expect(s.databasePath).toBe('./data/sequence.db');
    expect(s.config.TYPESENSE_CLIENT_URL).toBe('http://127.0.0.1:8001');
  });

  it('lists every problem at once, without echoing secrets', () => {
    try {
      readSettings({ NODE_ENV: 'production', PORT: 'x', DATABASE_URL: 'mysql://h/db', TYPESENSE_CLIENT_URL: 'gateway', INDEX_WAIT_TIMEOUT_MS: '0' }, false);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const text = (err as ConfigError).problems.join('\n');
      for (const name of ['PORT', 'DATABASE_URL', 'TYPESENSE_CLIENT_URL', 'INDEX_WAIT_TIMEOUT_MS', 'API_KEY', 'TYPESENSE_SERVICE_API_KEY']) {
        expect(text).toContain(name);
      }
    }
  });
});
