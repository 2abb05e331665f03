/**
 * Rotation under load, end to end with real processes: the KMS, the Search Gateway (embedded engine)
 * following the KMS's feed, and the Central Sequence Service getting its gateway key from the KMS.
 * The sequence service's key is rotated twice while writes run steadily; the grace period is short,
 * so the old keys expire during the test and writes after that only go through with the new key.
 * No write fails, nothing is dead-lettered, and sync's audit finds no difference.
 */
import { join } from 'node:path';
import { mintDevToken, SEED_DEV_API_KEY } from '@fountain/kit';
import { startService, tempDir, type ServiceProcess } from '@fountain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SEQUENCE = 'central_sequence_service';
const GRACE_SEC = 2;
const { dir, cleanup } = tempDir('kms-rotation-');
let kms: ServiceProcess;
let gateway: ServiceProcess;
let sequence: ServiceProcess;
let admin: Record<string, string>;

beforeAll(async () => {
  admin = { authorization: `Bearer ${await mintDevToken({ sub: 'ops', roles: ['admin'] })}`, 'content-type': 'application/json' };
  kms = await startService({
    entry: 'services/key-management/src/server.ts',
    env: { DATABASE_URL: `sqlite:///${join(dir, 'kms.db')}`, KEY_GRACE_PERIOD_SEC: String(GRACE_SEC) },
  });
  gateway = await startService({
    entry: 'services/search-gateway/src/server.ts',
    // A static key nobody presents: the sequence service's key must come from the KMS.
    env: { DATA_DIR: join(dir, 'gateway'), KEY_MANAGEMENT_URL: kms.url, TYPESENSE_SERVICE_API_KEY: 'static-key-nobody-uses-0123456789' },
  });
  sequence = await startService({
    entry: 'services/sequence/src/server.ts',
    env: {
      DATABASE_URL: `sqlite:///${join(dir, 'sequence.db')}`,
      TYPESENSE_CLIENT_URL: gateway.url,
      KEY_MANAGEMENT_URL: kms.url,
      KEY_REFRESH_MS: '250',
      TYPESENSE_SERVICE_API_KEY: 'not-the-key-0123456789',
    },
  });
}, 180_000);

afterAll(async () => {
  await Promise.all([sequence?.stop(), gateway?.stop()]);
  await kms?.stop();
  cleanup();
});

let nextId = 1;
/** Writes as fast as `concurrency` sequential writers can for `ms`; answers the count and the failures. */
async function steadyWrites(ms: number, concurrency = 4, during?: () => Promise<void>) {
  const end = Date.now() + ms;
  const failures: string[] = [];
  let ok = 0;
  const writer = async () => {
    while (Date.now() < end) {
      const id = nextId++;
      const res = await fetch(`${sequence.url}/sequence`, {
        method: 'POST',
        headers: { 'x-api-key': SEED_DEV_API_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ elementType: 'script', elementId: id, comment: `element ${id}` }),
      });
      if (res.status === 201) ok++;
      else failures.push(`${res.status} ${await res.text()}`);
    }
  };
  await Promise.all([...Array.from({ length: concurrency }, writer), during?.()]);
  return { ok, failures, perSecond: ok / (ms / 1000) };
}

async function rotateSequenceKey(): Promise<string> {
  const current = (await (await fetch(`${kms.url}/keys/${SEQUENCE}`, { headers: admin })).json()) as { key: { id: string } };
  const res = await fetch(`${kms.url}/keys/${current.key.id}/rotate`, { method: 'POST', headers: admin, body: '{}' });
  expect(res.status).toBe(201);
  return ((await res.json()) as { key: { id: string } }).key.id;
}

describe('rotating the sequence service key under steady writes', () => {
  it('loses nothing: no failed write, no dead letter, audit zero; the new key is in use after the grace period', { timeout: 180_000 }, async () => {
    const baseline = await steadyWrites(4_000);
    const rotated: string[] = [];
    const during = await steadyWrites(4_000, 4, async () => {
      await new Promise((r) => setTimeout(r, 500));
      rotated.push(await rotateSequenceKey());
      await new Promise((r) => setTimeout(r, 1_500));
      rotated.push(await rotateSequenceKey());
    });
    // Both old keys are past their grace period now: what follows only works with the newest key.
    await new Promise((r) => setTimeout(r, GRACE_SEC * 1000 + 500));
    const after = await steadyWrites(2_000);
    console.log(
      `writes/s: no rotation ${baseline.perSecond.toFixed(0)}, two rotations ${during.perSecond.toFixed(0)}, after grace ${after.perSecond.toFixed(0)}`,
    );
    expect([...baseline.failures, ...during.failures, ...after.failures]).toEqual([]);
    expect(baseline.ok).toBeGreaterThan(0);
    expect(during.ok).toBeGreaterThan(0);
    expect(after.ok).toBeGreaterThan(0);
    expect(rotated).toHaveLength(2);

    // Everything written reaches the index: outbox empty, no dead letters, audit zero.
    const key = { 'x-api-key': SEED_DEV_API_KEY };
    let status = { outbox: { depth: -1 }, deadLetters: -1 };
    for (let i = 0; i < 150 && status.outbox.depth !== 0; i++) {
      status = (await (await fetch(`${sequence.url}/sync/status`, { headers: key })).json()) as typeof status;
      if (status.outbox.depth !== 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(status.outbox.depth).toBe(0);
    expect(status.deadLetters).toBe(0);
    const audit = (await (await fetch(`${sequence.url}/sync/audit`, { method: 'POST', headers: { ...key, 'content-type': 'application/json' }, body: '{}' })).json()) as {
      differences: number;
      reports: { rows: number }[];
    };
    expect(audit.differences).toBe(0);
    expect(audit.reports[0]!.rows).toBe(baseline.ok + during.ok + after.ok);

    // The service read its key itself (sub = its SERVICE_NAME), and picked up the last rotation.
    const log = (await (await fetch(`${kms.url}/audit?service=${SEQUENCE}&limit=1000`, { headers: admin })).json()) as { entries: { action: string; actor: string; key_id: string }[] };
    expect(log.entries.filter((e) => e.action === 'key.rotate')).toHaveLength(2);
    expect(log.entries.some((e) => e.action === 'key.read' && e.actor === SEQUENCE && e.key_id === rotated[1])).toBe(true);
    const ready = (await (await fetch(`${sequence.url}/ready`)).json()) as { checks: Record<string, unknown> };
    expect(ready.checks.key_management).toBe(true);
  });
});
