/**
 * The KMS as its own process, as in production: the seeds' `GET /keys/{service}` flow with a
 * development token, keys surviving a restart, and the refusal to start in production without a
 * master key.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mintDevToken } from '@fountain/kit';
import { REPO_ROOT, startService, tempDir } from '@fountain/testing';
import { afterAll, describe, expect, it } from 'vitest';

const ENTRY = 'services/key-management/src/server.ts';
const { dir, cleanup } = tempDir('kms-e2e-');
afterAll(cleanup);

describe('the KMS process', () => {
  it('answers the seeds flow, GET /keys/{service} with a development admin token, and keeps keys across a restart', { timeout: 120_000 }, async () => {
    const env = { DATABASE_URL: `sqlite:///${join(dir, 'kms.db')}` };
    const kms = await startService({ entry: ENTRY, env });
    const admin = { authorization: `Bearer ${await mintDevToken({ sub: 'ops', roles: ['admin'] })}` };
    let first = '';
    try {
      for (const service of ['service_a', 'central_sequence_service']) {
        const res = await fetch(`${kms.url}/keys/${service}`, { headers: admin });
        expect(res.status, await res.clone().text()).toBe(200);
        const body = (await res.json()) as { api_key: string };
        expect(body.api_key).toMatch(/^fk_/);
        if (service === 'service_a') first = body.api_key;
      }
      const anonymous = await fetch(`${kms.url}/keys/service_a`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ errorCode: 'UNAUTHORIZED' });
      expect(kms.output()).not.toContain(first);
    } finally {
      await kms.stop();
    }
    const again = await startService({ entry: ENTRY, env });
    try {
      const res = await fetch(`${again.url}/keys/service_a`, { headers: admin });
      expect(((await res.json()) as { api_key: string }).api_key).toBe(first);
    } finally {
      await again.stop();
    }
  });

  it('refuses to start in production without a master key, and says why', { timeout: 60_000 }, async () => {
    const run = promisify(execFile);
    const err = (await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, ENTRY)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DATABASE_URL: `sqlite:///${join(dir, 'prod.db')}` },
    }).then(
      () => null,
      (e: unknown) => e,
    )) as { code: number; stderr: string } | null;
    expect(err).not.toBeNull();
    expect(err!.code).toBe(1);
    expect(err!.stderr).toMatch(/KMS_MASTER_KEY: required in production/);
  });
});
