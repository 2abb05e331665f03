import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@fountain/kit';
import { readSettings, SEED_DEV_SERVICE_KEY } from './config.ts';

const problemsOf = (env: Record<string, string>, envFile: string | false = false): string[] => {
  try {
    readSettings(env, envFile);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('readSettings', () => {
  it('defaults to the embedded backend on port 8001 with the seeds\' development key', () => {
    const s = readSettings({}, false);
    expect(s.nodes).toBeNull();
    expect(s.config.PORT).toBe(8001);
    expect(s.config.TYPESENSE_COLLECTION_NAME).toBe('elements');
    expect(s.keys).toEqual([expect.objectContaining({ id: 'service', value: SEED_DEV_SERVICE_KEY, collections: ['*'], actions: ['*'] })]);
  });

  it('lists every problem at once, from the schema, the nodes, the extra keys and production rules', () => {
    const problems = problemsOf({
      NODE_ENV: 'production',
      PORT: 'abc',
      TYPESENSE_PORT: '8108',
      TYPESENSE_NODES: 'ts1:8108',
      GATEWAY_API_KEYS: '[{"id":"a","value":"a-long-key-value","collections":["x"],"actions":["documents:serch"]}]',
    });
    expect(problems.join('\n')).toMatch(/PORT: must be an integer/);
    expect(problems.join('\n')).toMatch(/TYPESENSE_NODES/);
    expect(problems.join('\n')).toMatch(/GATEWAY_API_KEYS: .*unknown action 'documents:serch'/);
    expect(problems.join('\n')).toMatch(/TYPESENSE_SERVICE_API_KEY: required in production/);
    expect(problems.length).toBeGreaterThanOrEqual(5);
  });

  it('refuses the seeds\' placeholder key in production and asks for the admin key with Typesense', () => {
    const problems = problemsOf({ NODE_ENV: 'production', TYPESENSE_SERVICE_API_KEY: SEED_DEV_SERVICE_KEY, TYPESENSE_HOST: 'ts' });
    expect(problems).toContain("TYPESENSE_SERVICE_API_KEY: the seeds' placeholder key is refused in production");
    expect(problems).toContain('TYPESENSE_API_KEY: required when TYPESENSE_HOST or TYPESENSE_NODES is set');
  });

  it('reads a .env file for every variable, schema or not, with real variables winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-env-'));
    const file = join(dir, '.env');
    writeFileSync(
      file,
      [
        'TYPESENSE_HOST=ts.internal',
        'TYPESENSE_API_KEY=admin-key-from-dotenv',
        'TYPESENSE_SERVICE_API_KEY=service-key-from-dotenv',
        'GATEWAY_API_KEYS=[{"id":"seq","value":"seq-key-12345678","collections":["sequence_*"],"actions":["documents:*"]}]',
        'PORT=9001',
      ].join('\n'),
    );
    const s = readSettings({ PORT: '9100' }, file);
    expect(s.config.PORT).toBe(9100);
    expect(s.nodes).toEqual([{ host: 'ts.internal', port: 8108, protocol: 'http' }]);
    expect(s.keys.map((k) => k.id)).toEqual(['service', 'seq']);
    expect(s.keys[0]?.value).toBe('service-key-from-dotenv');
  });

  it('never echoes a key value in a problem', () => {
    const problems = problemsOf({ GATEWAY_API_KEYS: '[{"id":"a","value":"s3cr3t-value-xyz","collections":[],"actions":["*"]}]' });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).not.toContain('s3cr3t-value-xyz');
  });
});
