/**
 * Test harness: the real KMS (`buildApp`) on a fresh SQLite file, with the kit's real JWT verifier.
 * Tokens are minted with the test secret; nothing is faked.
 */
import { join } from 'node:path';
import { createJwtVerifier, mintDevToken } from '@fountain/kit';
import { tempDir } from '@fountain/testing';
import { buildApp } from '../src/app.ts';
import { openStore, type KmsStore } from '../src/db/store.ts';
import { createFeedWaiters } from '../src/domain/feed.ts';
import { createKeyManager, type KeyManager } from '../src/domain/keys.ts';
import { parseMasterKey } from '../src/domain/secrets.ts';

export const JWT_SECRET = 'kms-test-jwt-secret-0123456789abcdef012345';
export const MASTER_KEY = parseMasterKey('a1'.repeat(32)) as Buffer;
export const SEQUENCE = 'central_sequence_service';

/** A running KMS for one test file. */
export interface KmsHarness {
  app: Awaited<ReturnType<typeof buildApp>>;
  store: KmsStore;
  keys: KeyManager;
  dbPath: string;
  /** Moves the KMS's clock forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** Mints a test token (HS256, the harness's secret). */
export function token(roles: string[], sub = 'alice', ttlSec = 300): Promise<string> {
  return mintDevToken({ sub, roles, ttlSec, secret: JWT_SECRET });
}

/** `Authorization: Bearer` headers for a role (the subject defaults to the role's usual caller). */
export async function as(role: 'admin' | 'service' | 'gateway' | 'viewer', sub?: string): Promise<Record<string, string>> {
  const subject = sub ?? (role === 'service' ? SEQUENCE : role === 'gateway' ? 'search-gateway' : 'alice');
  return { authorization: `Bearer ${await token([role], subject)}` };
}

/** Builds the KMS on a fresh database. */
export async function buildHarness(opts: { graceMs?: number } = {}): Promise<KmsHarness> {
  const { dir, cleanup } = tempDir('kms-');
  const dbPath = join(dir, 'kms.db');
  const store = openStore(dbPath);
  const waiters = createFeedWaiters(store);
  let offset = 0;
  const keys = createKeyManager({ store, masterKey: MASTER_KEY, graceMs: opts.graceMs ?? 600_000, now: () => Date.now() + offset, onChange: () => waiters.notify() });
  const verifier = createJwtVerifier({ secret: JWT_SECRET, issuer: 'fountain-dev', audience: 'fountain' });
  const app = await buildApp({ store, keys, waiters }, { verifier });
  await app.ready();
  return {
    app,
    store,
    keys,
    dbPath,
    advance: (ms) => {
      offset += ms;
    },
    close: async () => {
      await app.close();
      store.close();
      cleanup();
    },
  };
}

/** Issues a key through the API as an admin; answers the body. */
export async function issue(h: KmsHarness, body: Record<string, unknown>) {
  const res = await h.app.inject({ method: 'POST', url: '/keys', headers: await as('admin'), payload: body });
  if (res.statusCode !== 201) throw new Error(`issue: ${res.statusCode} ${res.body}`);
  return res.json<{ api_key: string; key: { id: string; state: string; prefix: string } }>();
}
