import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createJwtVerifier, DEFAULT_JWT_AUDIENCE, DEFAULT_JWT_ISSUER, DEV_JWT_SECRET } from '@fountain/kit';
import { REPO_ROOT } from '@fountain/testing';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
/** Runs `npm run token -- ...args` as the script itself, in a clean environment (no .env). */
async function token(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/token.ts'), ...args], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run token', () => {
  it('mints a development token the development verifier accepts, with the roles and sub asked for', async () => {
    const res = await token(['--role', 'service', '--sub', 'central_sequence_service', '--ttl', '120']);
    expect(res.code, res.stderr).toBe(0);
    const verifier = createJwtVerifier({ secret: DEV_JWT_SECRET, issuer: DEFAULT_JWT_ISSUER, audience: DEFAULT_JWT_AUDIENCE });
    expect(await verifier.verify(res.stdout.trim())).toMatchObject({ subject: 'central_sequence_service', roles: ['service'] });
  });

  it('is refused in production and with JWKS', async () => {
    const prod = await token(['--role', 'admin'], { NODE_ENV: 'production' });
    expect(prod.code).toBe(1);
    expect(prod.stdout).toBe('');
    expect(prod.stderr).toMatch(/NODE_ENV=production/);
    expect((await token(['--role', 'admin'], { JWT_JWKS_URL: 'https://idp.example/jwks.json' })).stderr).toMatch(/JWT_JWKS_URL/);
  });
});
