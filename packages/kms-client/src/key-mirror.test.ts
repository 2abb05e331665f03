import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@fountain/testing';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { FeedKey, FeedPage, KmsClient } from './client.ts';
import { startKeyMirror, type KeyMirror } from './key-mirror.ts';

const digest = (s: string) => hash('sha256', s, 'hex');
const entry = (id: string, secret: string, extra: Partial<FeedKey> = {}): FeedKey => ({
  id,
  service: 'svc',
  name: 'default',
  collections: ['svc_*'],
  actions: ['documents:*'],
  digest: digest(secret),
  prefix: secret.slice(0, 9),
  created_at_ms: Date.now(),
  expires_at_ms: null,
  revoked_at_ms: null,
  ...extra,
});

/** A client on the feed interface: pages are queued by the test; an empty queue waits (a long poll). */
function fakeClient(pages: FeedPage[], fail = { on: false }): KmsClient {
  return {
    serviceKey: () => Promise.reject(new Error('not used')),
    reportUsage: () => Promise.resolve(),
    changes: (since, waitMs, signal) => {
      if (fail.on) return Promise.reject(new Error('connect ECONNREFUSED'));
      const page = pages.shift();
      if (page) return Promise.resolve(page);
      return new Promise((_, reject) => {
        const t = setTimeout(() => reject(new Error('no change')), Math.max(waitMs, 20));
        signal?.addEventListener('abort', () => {
          clearTimeout(t);
          reject(new Error('aborted'));
        });
      });
    },
  };
}

let mirror: KeyMirror | undefined;
const { dir, cleanup } = tempDir('mirror-');
afterEach(async () => {
  await mirror?.stop();
  mirror = undefined;
});
afterAll(cleanup);

describe('startKeyMirror', () => {
  it('accepts active keys, refuses revoked, expired and unknown ones', async () => {
    const now = Date.now();
    mirror = await startKeyMirror({
      client: fakeClient([
        {
          seq: 3,
          reset: true,
          keys: [entry('a', 'fk_active'), entry('r', 'fk_revoked', { revoked_at_ms: now }), entry('e', 'fk_expired', { expires_at_ms: now - 1 }), entry('g', 'fk_grace', { expires_at_ms: now + 60_000 })],
        },
      ]),
      waitMs: 50,
    });
    expect(mirror.lookup('fk_active')?.id).toBe('a');
    expect(mirror.lookup('fk_grace')?.id).toBe('g');
    expect(mirror.lookup('fk_revoked')).toBeNull();
    expect(mirror.lookup('fk_expired')).toBeNull();
    expect(mirror.lookup('fk_unknown')).toBeNull();
    expect(mirror.status()).toBe(true);
  });

  it('persists digests and states, never a secret, and a restart without the KMS still refuses the revoked key', async () => {
    const path = join(dir, 'keys.json');
    mirror = await startKeyMirror({
      client: fakeClient([
        { seq: 2, reset: true, keys: [entry('s', 'fk_searchSECRETTAIL', { actions: ['documents:search'], search_secret: 'fk_searchSECRETTAIL' }), entry('a', 'fk_aSECRETTAIL')] },
        { seq: 3, reset: false, keys: [entry('a', 'fk_aSECRETTAIL', { revoked_at_ms: Date.now() })] },
      ]),
      persistPath: path,
      waitMs: 50,
    });
    for (let i = 0; i < 50 && mirror.seq() !== 3; i++) await new Promise((r) => setTimeout(r, 10));
    expect(mirror.lookup('fk_aSECRETTAIL')).toBeNull();
    expect(mirror.searchParents('fk_s')).toHaveLength(1);
    await mirror.stop();
    const saved = readFileSync(path, 'utf8');
    expect(saved).not.toContain('fk_searchSECRETTAIL');
    expect(saved).not.toContain('fk_aSECRETTAIL');

    mirror = await startKeyMirror({ client: fakeClient([], { on: true }), persistPath: path, startupTimeoutMs: 200 });
    expect(mirror.lookup('fk_aSECRETTAIL')).toBeNull();
    expect(mirror.lookup('fk_searchSECRETTAIL')?.id).toBe('s');
    expect(mirror.searchParents('fk_s')).toHaveLength(0); // secrets come back only with a sync
    expect(mirror.status()).toMatch(/^degraded/);
    expect(mirror.seq()).toBe(3);
  });

  it('a reset page replaces the whole set', async () => {
    mirror = await startKeyMirror({
      client: fakeClient([
        { seq: 1, reset: true, keys: [entry('old', 'fk_old')] },
        { seq: 1, reset: true, keys: [entry('new', 'fk_new')] },
      ]),
      waitMs: 50,
    });
    for (let i = 0; i < 50 && mirror.lookup('fk_new') === null; i++) await new Promise((r) => setTimeout(r, 10));
    expect(mirror.lookup('fk_new')?.id).toBe('new');
    expect(mirror.lookup('fk_old')).toBeNull();
  });
});
