import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, buildHarness, issue, SEQUENCE, type KmsHarness } from './harness.test-support.ts';

let h: KmsHarness;
beforeAll(async () => {
  h = await buildHarness({ graceMs: 60_000 });
});
afterAll(() => h.close());

const SCOPE = { collections: ['sequence_*'], actions: ['documents:*', 'collections:*', 'aliases:*'] };

describe('the seeds flow: GET /keys/{service}', () => {
  it('answers {"api_key": ...} to an admin and to the service itself', async () => {
    const { api_key } = await issue(h, { service: SEQUENCE, ...SCOPE });
    expect(api_key).toMatch(/^fk_[A-Za-z0-9_-]{43}$/); // 32 random bytes
    for (const headers of [await as('admin'), await as('service', SEQUENCE)]) {
      const res = await h.app.inject({ url: `/keys/${SEQUENCE}`, headers });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().api_key).toBe(api_key);
      expect(res.json().key).toMatchObject({ service: SEQUENCE, name: 'default', state: 'active', prefix: api_key.slice(0, 9) });
    }
  });

  it('404 for a service without a key', async () => {
    const res = await h.app.inject({ url: '/keys/nobody', headers: await as('admin') });
    expect(res.statusCode).toBe(404);
    expect(res.json().errorCode).toBe('NOT_FOUND');
  });
});

describe('issue, list, rotate, revoke, update scope', () => {
  it('issuing a second active key of the same lineage is a 409 (rotate instead); another name is fine', async () => {
    await issue(h, { service: 'story_factory', ...SCOPE });
    const again = await h.app.inject({ method: 'POST', url: '/keys', headers: await as('admin'), payload: { service: 'story_factory', ...SCOPE } });
    expect(again.statusCode).toBe(409);
    const search = await issue(h, { service: 'story_factory', name: 'search', collections: ['stories'], actions: ['documents:search'] });
    expect(search.key.state).toBe('active');
    const byName = await h.app.inject({ url: '/keys/story_factory?name=search', headers: await as('admin') });
    expect(byName.json().api_key).toBe(search.api_key);
  });

  it('rotation: a new secret, the old one in grace until the grace period ends, then expired', async () => {
    const first = await issue(h, { service: 'rotating', ...SCOPE });
    const res = await h.app.inject({ method: 'POST', url: `/keys/${first.key.id}/rotate`, headers: await as('admin'), payload: {} });
    expect(res.statusCode, res.body).toBe(201);
    const second = res.json<{ api_key: string; key: { id: string; rotated_from: string } }>();
    expect(second.api_key).not.toBe(first.api_key);
    expect(second.key.rotated_from).toBe(first.key.id);
    const current = await h.app.inject({ url: '/keys/rotating', headers: await as('admin') });
    expect(current.json().api_key).toBe(second.api_key);
    const listed = (await h.app.inject({ url: '/keys?service=rotating', headers: await as('admin') })).json<{ keys: { id: string; state: string; expires_at: string | null }[] }>();
    const old = listed.keys.find((k) => k.id === first.key.id)!;
    expect(old.state).toBe('grace');
    expect(Date.parse(old.expires_at!) - Date.now()).toBeGreaterThan(50_000);
    expect(JSON.stringify(listed)).not.toContain(first.api_key); // a list never holds a secret
    // Rotating the rotated-out key again is a conflict.
    expect((await h.app.inject({ method: 'POST', url: `/keys/${first.key.id}/rotate`, headers: await as('admin') })).statusCode).toBe(409);
    h.advance(61_000);
    const later = (await h.app.inject({ url: `/keys?id=${first.key.id}`, headers: await as('admin') })).json<{ keys: { state: string }[] }>();
    expect(later.keys[0]!.state).toBe('expired');
  });

  it('a rotation can set its own grace period (0: the old key stops at once)', async () => {
    const k = await issue(h, { service: 'urgent', ...SCOPE });
    await h.app.inject({ method: 'POST', url: `/keys/${k.key.id}/rotate`, headers: await as('admin'), payload: { grace_period_sec: 0 } });
    const old = (await h.app.inject({ url: `/keys?id=${k.key.id}`, headers: await as('admin') })).json<{ keys: { state: string }[] }>();
    expect(old.keys[0]!.state).toBe('expired');
  });

  it('revoke: at once, idempotent, and the service then has no key to read', async () => {
    const k = await issue(h, { service: 'revoked_svc', ...SCOPE });
    const res = await h.app.inject({ method: 'POST', url: `/keys/${k.key.id}/revoke`, headers: await as('admin') });
    expect(res.json()).toMatchObject({ state: 'revoked' });
    // With `Content-Type: application/json` and no body, as curl -X POST -H ... sends it.
    const again = await h.app.inject({ method: 'POST', url: `/keys/${k.key.id}/revoke`, headers: { ...(await as('admin')), 'content-type': 'application/json' } });
    expect(again.json().revoked_at).toBe(res.json().revoked_at);
    expect((await h.app.inject({ url: '/keys/revoked_svc', headers: await as('admin') })).statusCode).toBe(404);
    // A revoked lineage can be issued afresh.
    expect((await issue(h, { service: 'revoked_svc', ...SCOPE })).key.state).toBe('active');
  });

  it('update scope, validated against the known actions', async () => {
    const k = await issue(h, { service: 'scoped', ...SCOPE });
    const res = await h.app.inject({ method: 'PATCH', url: `/keys/${k.key.id}`, headers: await as('admin'), payload: { actions: ['documents:search'] } });
    expect(res.json()).toMatchObject({ actions: ['documents:search'], collections: ['sequence_*'] });
    const bad = await h.app.inject({ method: 'PATCH', url: `/keys/${k.key.id}`, headers: await as('admin'), payload: { actions: ['documents:nuke'] } });
    expect(bad.statusCode).toBe(400);
    expect((await h.app.inject({ method: 'PATCH', url: `/keys/${k.key.id}`, headers: await as('admin'), payload: {} })).statusCode).toBe(400);
  });
});

describe('the audit log', () => {
  it('records every operation: who, what, when, from where', async () => {
    const k = await issue(h, { service: 'audited', ...SCOPE });
    await h.app.inject({ url: '/keys/audited', headers: { ...(await as('service', 'audited')), 'user-agent': 'audited-service/1.0', 'x-request-id': 'req-audit-1' } });
    await h.app.inject({ method: 'POST', url: `/keys/${k.key.id}/rotate`, headers: await as('admin') });
    await h.app.inject({ method: 'POST', url: `/keys/${k.key.id}/revoke`, headers: await as('admin') });
    const res = await h.app.inject({ url: '/audit?service=audited', headers: await as('admin') });
    const entries = res.json<{ entries: { action: string; actor: string; outcome: string; source_ip: string; user_agent: string; request_id: string; at: string }[] }>().entries;
    expect(entries.map((e) => e.action)).toEqual(['key.revoke', 'key.rotate', 'key.read', 'key.issue']);
    const read = entries[2]!;
    expect(read).toMatchObject({ actor: 'audited', outcome: 'ok', source_ip: '127.0.0.1', user_agent: 'audited-service/1.0', request_id: 'req-audit-1' });
    expect(Math.abs(Date.parse(read.at) - Date.now())).toBeLessThan(120_000);
    expect(JSON.stringify(entries)).not.toContain(k.api_key);
  });
});

describe('the change feed', () => {
  it('since=0 is the whole set; then only changes; digests, never secrets (search-only keys excepted)', async () => {
    const all = (await h.app.inject({ url: '/changes?since=0', headers: await as('gateway') })).json<{ seq: number; reset: boolean; keys: { id: string; digest: string; search_secret?: string }[] }>();
    expect(all.reset).toBe(true);
    expect(all.keys.length).toBeGreaterThan(3);
    for (const k of all.keys) expect(k.digest).toMatch(/^[0-9a-f]{64}$/);
    const secrets = all.keys.filter((k) => k.search_secret !== undefined);
    expect(secrets.length).toBeGreaterThan(0);
    const feedText = JSON.stringify(all.keys.filter((k) => k.search_secret === undefined));
    expect(feedText).not.toMatch(/fk_[A-Za-z0-9_-]{43}/);

    const k = await issue(h, { service: 'feed_svc', ...SCOPE });
    const next = (await h.app.inject({ url: `/changes?since=${all.seq}`, headers: await as('gateway') })).json<{ seq: number; reset: boolean; keys: { id: string }[] }>();
    expect(next.reset).toBe(false);
    expect(next.keys.map((x) => x.id)).toEqual([k.key.id]);
  });

  it('a long poll answers as soon as a key changes', async () => {
    const { seq } = (await h.app.inject({ url: '/changes?since=0', headers: await as('gateway') })).json<{ seq: number }>();
    const k = await issue(h, { service: 'long_poll', ...SCOPE });
    const { seq: after } = (await h.app.inject({ url: `/changes?since=${seq}`, headers: await as('gateway') })).json<{ seq: number }>();
    const started = Date.now();
    const pending = h.app.inject({ url: `/changes?since=${after}&wait_ms=20000`, headers: await as('gateway') });
    setTimeout(() => void as('admin').then((headers) => h.app.inject({ method: 'POST', url: `/keys/${k.key.id}/revoke`, headers })), 200);
    const res = (await pending).json<{ keys: { id: string; revoked_at_ms: number | null }[] }>();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(res.keys).toEqual([expect.objectContaining({ id: k.key.id, revoked_at_ms: expect.any(Number) })]);
  });

  it('usage reports raise last_used_at', async () => {
    const k = await issue(h, { service: 'used', ...SCOPE });
    const res = await h.app.inject({ method: 'POST', url: '/usage', headers: await as('gateway'), payload: { key_ids: [k.key.id] } });
    expect(res.json()).toEqual({ updated: 1 });
    const listed = (await h.app.inject({ url: `/keys?id=${k.key.id}`, headers: await as('admin') })).json<{ keys: { last_used_at: string | null }[] }>();
    expect(listed.keys[0]!.last_used_at).not.toBeNull();
  });
});

describe('metrics', () => {
  it('keys by state, operations by outcome, and the age of each current key', async () => {
    const { createKmsMetrics } = await import('../src/metrics.ts');
    createKmsMetrics(h.app.metricsRegistry, h.store);
    const text = (await h.app.inject({ url: '/metrics' })).body;
    expect(text).toMatch(/kms_keys\{state="active"[^}]*\} [1-9]/);
    expect(text).toMatch(/kms_keys\{state="revoked"[^}]*\} [1-9]/);
    expect(text).toMatch(new RegExp(`kms_key_age_seconds\\{service="${SEQUENCE}",name="default"[^}]*\\} \\d`));
    expect(text).toContain('kms_operations_total');
  });
});
