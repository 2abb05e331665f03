import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ConfigError, boolVar, loadConfig, portVar } from './config.ts';

const Schema = Type.Object({
  PORT: portVar(8001),
  DEBUG: boolVar(false),
  RATIO: Type.Number({ minimum: 0, maximum: 1, default: 0.5 }),
  MODE: Type.Union([Type.Literal('typesense'), Type.Literal('embedded')], { default: 'embedded' }),
  API_KEY: Type.String({ minLength: 16 }),
  DATABASE_URL: Type.String(),
  TYPESENSE_NODES: Type.Array(Type.Object({ host: Type.String(), port: Type.Integer() }), { default: [] }),
  SERVICE_NAME: Type.Optional(Type.String()),
});

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and converts strings to the schema types', () => {
    const config = loadConfig(Schema, {
      envFile: false,
      env: {
        API_KEY: 'k'.repeat(16),
        DATABASE_URL: 'file:data.db',
        DEBUG: 'yes',
        RATIO: '0.25',
        TYPESENSE_NODES: '[{"host":"a","port":8108}]',
        UNRELATED: 'ignored',
      },
    });
    expect(config).toEqual({
      PORT: 8001,
      DEBUG: true,
      RATIO: 0.25,
      MODE: 'embedded',
      API_KEY: 'k'.repeat(16),
      DATABASE_URL: 'file:data.db',
      TYPESENSE_NODES: [{ host: 'a', port: 8108 }],
    });
  });

  it('converts integers, booleans and literals', () => {
    const config = loadConfig(Schema, {
      envFile: false,
      env: { PORT: ' 9000 ', DEBUG: 'OFF', MODE: 'typesense', API_KEY: 'x'.repeat(20), DATABASE_URL: 'd' },
    });
    expect(config.PORT).toBe(9000);
    expect(config.DEBUG).toBe(false);
    expect(config.MODE).toBe('typesense');
  });

  it('treats an empty value as unset', () => {
    const config = loadConfig(Schema, { envFile: false, env: { PORT: '', API_KEY: 'x'.repeat(16), DATABASE_URL: 'd' } });
    expect(config.PORT).toBe(8001);
  });

  it('lists every problem at once, one line per variable, naming it', () => {
    const problems = problemsOf(() =>
      loadConfig(Schema, {
        envFile: false,
        env: { PORT: 'abc', DEBUG: 'maybe', RATIO: '2', MODE: 'cloud', TYPESENSE_NODES: '[{"host":1}]' },
      }),
    );
    expect(problems).toHaveLength(7);
    expect(problems).toContain('PORT: must be an integer between 1 and 65535 (got "abc")');
    expect(problems).toContain('DEBUG: must be a boolean (true/false, 1/0, yes/no, on/off) (got "maybe")');
    expect(problems).toContain('RATIO: must be a number between 0 and 1 (got "2")');
    expect(problems).toContain('MODE: must be one of typesense, embedded (got "cloud")');
    expect(problems.find((p) => p.startsWith('API_KEY:'))).toMatch(/is required/);
    expect(problems.find((p) => p.startsWith('DATABASE_URL:'))).toMatch(/is required/);
    expect(problems.find((p) => p.startsWith('TYPESENSE_NODES:'))).toMatch(/JSON array/);
  });

  it('reports malformed JSON', () => {
    const problems = problemsOf(() =>
      loadConfig(Schema, { envFile: false, env: { API_KEY: 'x'.repeat(16), DATABASE_URL: 'd', TYPESENSE_NODES: '[{' } }),
    );
    expect(problems).toEqual(['TYPESENSE_NODES: must be valid JSON (an array) (got "[{")']);
  });

  it('never echoes the value of a secret variable', () => {
    const secrets = Type.Object({
      API_KEY: Type.String({ minLength: 16 }),
      DB_PASSWORD: Type.Integer(),
      GITHUB_TOKEN: Type.Boolean(),
      CLIENT_SECRET: Type.String({ maxLength: 2 }),
      typesense_api_key: Type.String({ minLength: 99 }),
    });
    let message = '';
    try {
      loadConfig(secrets, {
        envFile: false,
        env: { API_KEY: 'hunter2', DB_PASSWORD: 'p4ss', GITHUB_TOKEN: 'tok3n', CLIENT_SECRET: 's3cr3t', typesense_api_key: 'abc' },
      });
    } catch (err) {
      message = (err as Error).message;
      expect((err as ConfigError).problems).toHaveLength(5);
    }
    expect(message).toContain('API_KEY: must be a string at least 16 characters (value hidden)');
    for (const secret of ['hunter2', 'p4ss', 'tok3n', 's3cr3t', '"abc"']) expect(message).not.toContain(secret);
  });

  it('reads a .env file without overriding real variables or mutating process.env', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-config-'));
    const file = join(dir, '.env');
    writeFileSync(file, 'PORT=7000\nAPI_KEY=from-the-env-file-123\nDATABASE_URL=file:env.db\n');
    const config = loadConfig(Schema, { envFile: file, env: { PORT: '7001' } });
    expect(config.PORT).toBe(7001);
    expect(config.API_KEY).toBe('from-the-env-file-123');
    expect(config.DATABASE_URL).toBe('file:env.db');
    expect(process.env.DATABASE_URL).not.toBe('file:env.db');
  });

  it('reads .env from the cwd by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kit-config-'));
    writeFileSync(join(dir, '.env'), 'API_KEY=cwd-env-file-key-1234\nDATABASE_URL=file:cwd.db\n');
    const cwd = process.cwd();
    try {
      process.chdir(dir);
      expect(loadConfig(Schema, { env: {} }).DATABASE_URL).toBe('file:cwd.db');
    } catch (err) {
      // Vitest workers may forbid chdir; the explicit-path test covers parsing then.
      if (!String(err).includes('chdir')) throw err;
    } finally {
      process.chdir(cwd);
    }
  });

  it('fails on a missing explicit env file', () => {
    expect(() => loadConfig(Schema, { envFile: '/nonexistent/.env', env: {} })).toThrow(ConfigError);
  });
});
