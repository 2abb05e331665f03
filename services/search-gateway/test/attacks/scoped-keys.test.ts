/**
 * Scoped search keys for end users (multi-tenant search), with the official client's
 * `generateScopedSearchKey`, against both backends: a KMS issues a search-only key; the gateways learn
 * it from the KMS's feed; tenant A's scoped key never sees tenant B's documents whatever it puts in
 * `filter_by`, `q`, `multi_search` or an alias; an expired or tampered key is a 401.
 */
import { mintDevToken } from '@fountain/kit';
import { join } from 'node:path';
import { startService, tempDir, type ServiceProcess } from '@fountain/testing';
import { Client } from 'typesense';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAttackTargets, type Attack } from './targets.test-support.ts';

const JWT_SECRET = 'scoped-keys-test-jwt-secret-0123456789abcdef';
const COLLECTION = 'tenant_notes';
let kms: ServiceProcess;
let attack: Attack;
let parent: string;
const { dir, cleanup } = tempDir('scoped-keys-');

const clientFor = (url: string, apiKey: string) => {
  const u = new URL(url);
  return new Client({ nodes: [{ host: u.hostname, port: Number(u.port), protocol: 'http' }], apiKey, numRetries: 0, connectionTimeoutSeconds: 10 });
};
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  kms = await startService({
    entry: 'services/key-management/src/server.ts',
    env: { NODE_ENV: 'production', DATABASE_URL: `sqlite:///${join(dir, 'kms.db')}`, JWT_SECRET, KMS_MASTER_KEY: 'ab'.repeat(32) },
  });
  const admin = { authorization: `Bearer ${await mintDevToken({ sub: 'ops', roles: ['admin'], secret: JWT_SECRET })}`, 'content-type': 'application/json' };
  const res = await fetch(`${kms.url}/keys`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ service: 'notes_frontend', name: 'search', collections: ['tenant_*'], actions: ['documents:search'] }),
  });
  expect(res.status).toBe(201);
  parent = ((await res.json()) as { api_key: string }).api_key;
  attack = await startAttackTargets({ KEY_MANAGEMENT_URL: kms.url, JWT_SECRET });
  for (const t of attack.targets) {
    const admin = clientFor(t.gateway.url, t.gateway.serviceKey);
    await admin.collections().create({
      name: COLLECTION,
      fields: [
        { name: 'tenant', type: 'string', facet: true },
        { name: 'text', type: 'string' },
      ],
    });
    await admin.collections(COLLECTION).documents().import(
      [
        { id: 'a1', tenant: 'a', text: 'apple pie for tenant a' },
        { id: 'a2', tenant: 'a', text: 'apricot tart' },
        { id: 'b1', tenant: 'b', text: 'apple secret of tenant b' },
        { id: 'b2', tenant: 'b', text: 'banana bread' },
      ],
      { action: 'upsert' },
    );
    await admin.aliases().upsert('tenant_alias', { collection_name: COLLECTION });
  }
}, 240_000);

afterAll(async () => {
  await attack?.stop();
  await kms?.stop();
  cleanup();
});

describe.each(['typesense', 'embedded'] as const)('scoped search keys on the %s backend', (backend) => {
  const target = () => attack.targets.find((t) => t.name === backend);

  it('tenant A never sees tenant B, whatever it searches', { timeout: 60_000 }, async (ctx) => {
    const t = target();
    if (!t) return ctx.skip();
    const scoped = new Client({ nodes: [{ host: 'x', port: 1, protocol: 'http' }], apiKey: parent }).keys().generateScopedSearchKey(parent, {
      filter_by: 'tenant:=a',
      expires_at: now() + 3600,
    });
    const tenantA = clientFor(t.gateway.url, scoped);
    const tenants = async (p: Record<string, unknown>, collection = COLLECTION) => {
      const r = await tenantA.collections(collection).documents().search({ q: '*', query_by: 'text', ...p } as never);
      return (r.hits ?? []).map((h) => (h.document as { tenant: string }).tenant);
    };
    expect((await tenants({})).sort()).toEqual(['a', 'a']);
    expect(await tenants({ q: 'apple' })).toEqual(['a']);
    // Trying to widen the filter: ORs, the other tenant, a negation, through an alias.
    expect(await tenants({ filter_by: 'tenant:=b' })).toEqual([]);
    expect(await tenants({ filter_by: 'tenant:=b || tenant:=a' })).toEqual(['a', 'a']);
    expect(await tenants({ filter_by: 'tenant:!=a' })).toEqual([]);
    expect((await tenants({}, 'tenant_alias')).sort()).toEqual(['a', 'a']);
    const multi = await tenantA.multiSearch.perform({
      searches: [
        { collection: COLLECTION, q: 'apple', query_by: 'text', filter_by: 'tenant:=b' },
        { collection: 'tenant_alias', q: '*', query_by: 'text' },
      ],
    } as never);
    const docs = ((multi as unknown as { results: { hits?: { document: { tenant: string } }[] }[] }).results).flatMap((r) => (r.hits ?? []).map((h) => h.document.tenant));
    expect(docs.every((x) => x === 'a')).toBe(true);
    expect(docs.length).toBe(2);
    // A scoped key only searches.
    await expect(tenantA.collections(COLLECTION).documents('b1').retrieve()).rejects.toMatchObject({ httpStatus: 403 });
  });

  it('an expired, a tampered or a forged scoped key is a 401; limit_multi_searches is enforced', { timeout: 60_000 }, async (ctx) => {
    const t = target();
    if (!t) return ctx.skip();
    const keys = new Client({ nodes: [{ host: 'x', port: 1, protocol: 'http' }], apiKey: parent }).keys();
    const search = (apiKey: string) => fetch(`${t.gateway.url}/collections/${COLLECTION}/documents/search?q=*&query_by=text`, { headers: { 'x-typesense-api-key': apiKey } });
    const expired = keys.generateScopedSearchKey(parent, { filter_by: 'tenant:=a', expires_at: now() - 10 });
    expect((await search(expired)).status).toBe(401);
    // Tampered: the embedded filter edited to the other tenant, the HMAC left as it was.
    const good = keys.generateScopedSearchKey(parent, { filter_by: 'tenant:=a' });
    const raw = Buffer.from(good, 'base64').toString('utf8').replace('tenant:=a', 'tenant:=b');
    const tampered = Buffer.from(raw).toString('base64');
    const tamperedRes = await search(tampered);
    expect(tamperedRes.status).toBe(401);
    expect(((await tamperedRes.json()) as { errorCode: string }).errorCode).toBe('UNAUTHORIZED');
    // Forged: signed with a made-up parent that shares the real one's first four characters.
    const forged = keys.generateScopedSearchKey(`${parent.slice(0, 4)}forged-parent-secret-0123456789`, { filter_by: 'tenant:=b' });
    expect((await search(forged)).status).toBe(401);
    expect((await search(good)).status).toBe(200);

    const limited = keys.generateScopedSearchKey(parent, { filter_by: 'tenant:=a', limit_multi_searches: 1 });
    const res = await fetch(`${t.gateway.url}/multi_search`, {
      method: 'POST',
      headers: { 'x-typesense-api-key': limited, 'content-type': 'application/json' },
      body: JSON.stringify({ searches: [{ collection: COLLECTION, q: '*', query_by: 'text' }, { collection: COLLECTION, q: '*', query_by: 'text' }] }),
    });
    expect(res.status).toBe(400);
  });
});
