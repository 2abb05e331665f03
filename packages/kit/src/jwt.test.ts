import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from './config.ts';
import { DEV_JWT_SECRET } from './dev-keys.ts';
import { AppError } from './errors.ts';
import { createJwtVerifier, mintDevToken, type JwtVerifier } from './jwt.ts';
import { jwtSettingsFromConfig } from './jwt-config.ts';

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
const ISS = 'fountain-test';
const AUD = 'fountain';
const now = () => Math.floor(Date.now() / 1000);
const b64url = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Signs claims with the test secret; every field can be overridden to build a bad token. */
function hs256(claims: Record<string, unknown>, secret = SECRET, header: Record<string, unknown> = {}) {
  return new SignJWT({ roles: ['admin'], ...claims })
    .setProtectedHeader({ alg: 'HS256', ...header })
    .setSubject((claims.sub as string | undefined) ?? 'alice')
    .setIssuer((claims.iss as string | undefined) ?? ISS)
    .setAudience((claims.aud as string | undefined) ?? AUD)
    .setExpirationTime((claims.exp as number | undefined) ?? now() + 300)
    .sign(new TextEncoder().encode(secret));
}

/** Asserts verify rejects with UNAUTHORIZED and a message matching `pattern` that never holds the token. */
async function expectRejected(verifier: JwtVerifier, token: string, pattern: RegExp) {
  const err = await verifier.verify(token).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('UNAUTHORIZED');
  expect((err as AppError).message).toMatch(pattern);
  if (token !== '') expect((err as AppError).message).not.toContain(token);
}

describe('createJwtVerifier with a shared secret (HS256)', () => {
  const verifier = createJwtVerifier({ secret: SECRET, issuer: ISS, audience: AUD });

  it('accepts a good token and returns its principal', async () => {
    const p = await verifier.verify(await hs256({ sub: 'bob', roles: ['admin', 'editor'] }));
    expect(p.subject).toBe('bob');
    expect(p.roles).toEqual(['admin', 'editor']);
    expect(p.claims.iss).toBe(ISS);
  });

  it('reads a single `role` claim too', async () => {
    const token = await new SignJWT({ role: 'service' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('central_sequence_service')
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    expect((await verifier.verify(token)).roles).toEqual(['service']);
  });

  it("refuses alg 'none'", async () => {
    const token = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: 'eve', roles: ['admin'], iss: ISS, aud: AUD, exp: now() + 300 })}.`;
    await expectRejected(verifier, token, /algorithm|Malformed/);
  });

  it('refuses an expired token, beyond the clock tolerance', async () => {
    await expectRejected(verifier, await hs256({ exp: now() - 120 }), /expired/);
  });

  it('accepts a token expired within the clock tolerance (30 s)', async () => {
    await expect(verifier.verify(await hs256({ exp: now() - 5 }))).resolves.toMatchObject({ subject: 'alice' });
  });

  it('refuses a token whose nbf is in the future', async () => {
    await expectRejected(verifier, await hs256({ nbf: now() + 600 }), /not valid yet/);
  });

  it('refuses a wrong issuer and a wrong audience', async () => {
    await expectRejected(verifier, await hs256({ iss: 'someone-else' }), /'iss'/);
    await expectRejected(verifier, await hs256({ aud: 'another-api' }), /'aud'/);
  });

  it('refuses a token without exp or without sub', async () => {
    const noExp = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuer(ISS)
      .setAudience(AUD)
      .sign(new TextEncoder().encode(SECRET));
    await expectRejected(verifier, noExp, /'exp'/);
    const noSub = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    await expectRejected(verifier, noSub, /'sub'/);
  });

  it('refuses a tampered payload and a token signed with another secret', async () => {
    const token = await hs256({ roles: ['viewer'] });
    const [h, , s] = token.split('.');
    const forged = `${h}.${b64url({ sub: 'alice', roles: ['admin'], iss: ISS, aud: AUD, exp: now() + 300 })}.${s}`;
    await expectRejected(verifier, forged, /signature/);
    await expectRejected(verifier, await hs256({}, 'another-secret-0123456789abcdef0123456789'), /signature/);
  });

  it('refuses an oversized token before parsing it', async () => {
    const big = await hs256({ padding: 'x'.repeat(9000) });
    await expectRejected(verifier, big, /larger than 8192 bytes/);
  });

  it('refuses garbage, an empty token and malformed roles', async () => {
    await expectRejected(verifier, 'not-a-jwt', /Malformed/);
    await expectRejected(verifier, '', /Missing/);
    await expectRejected(verifier, await hs256({ roles: 'admin' }), /'roles'/);
  });

  it('refuses an RS256 token when only HS256 is allowed', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('alice')
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime('5m')
      .sign(privateKey);
    await expectRejected(verifier, token, /algorithm/);
  });
});

describe('createJwtVerifier settings', () => {
  it('refuses none, mixed algorithm families, short secrets, and both or neither key source', () => {
    const bad = [
      { secret: SECRET, issuer: ISS, audience: AUD, algorithms: ['none'] },
      { secret: SECRET, issuer: ISS, audience: AUD, algorithms: ['HS256', 'RS256'] },
      { jwksUrl: 'http://127.0.0.1:1/jwks.json', issuer: ISS, audience: AUD, algorithms: ['HS256'] },
      { secret: 'short', issuer: ISS, audience: AUD },
      { issuer: ISS, audience: AUD },
      { secret: SECRET, jwksUrl: 'http://127.0.0.1:1/jwks.json', issuer: ISS, audience: AUD },
      { secret: SECRET, issuer: '', audience: AUD },
    ];
    for (const settings of bad) expect(() => createJwtVerifier(settings), JSON.stringify(settings.algorithms)).toThrow(ConfigError);
    try {
      createJwtVerifier({ secret: 'short-secret-value', issuer: ISS, audience: AUD });
    } catch (err) {
      expect((err as Error).message).not.toContain('short-secret-value');
    }
  });

  it('jwtSettingsFromConfig: the development secret by default, refused in production', () => {
    const base = { JWT_ISSUER: ISS, JWT_AUDIENCE: AUD };
    expect(jwtSettingsFromConfig(base, 'development').secret).toBe(DEV_JWT_SECRET);
    expect(() => jwtSettingsFromConfig(base, 'production')).toThrow(/required in production/);
    expect(() => jwtSettingsFromConfig({ ...base, JWT_SECRET: DEV_JWT_SECRET }, 'production')).toThrow(/refused in production/);
    expect(jwtSettingsFromConfig({ ...base, JWT_SECRET: SECRET }, 'production').secret).toBe(SECRET);
    expect(jwtSettingsFromConfig({ ...base, JWT_JWKS_URL: 'https://idp.example/jwks.json', JWT_ALGORITHMS: 'RS256, ES256' }, 'production')).toMatchObject({
      jwksUrl: 'https://idp.example/jwks.json',
      algorithms: ['RS256', 'ES256'],
    });
  });

  it('mintDevToken signs a token the development verifier accepts', async () => {
    const verifier = createJwtVerifier(jwtSettingsFromConfig({ JWT_ISSUER: 'fountain-dev', JWT_AUDIENCE: 'fountain' }, 'development'));
    const p = await verifier.verify(await mintDevToken({ sub: 'central_sequence_service', roles: ['service'], ttlSec: 60 }));
    expect(p).toMatchObject({ subject: 'central_sequence_service', roles: ['service'] });
    expect((p.claims.exp as number) - now()).toBeLessThanOrEqual(60);
  });
});

describe('createJwtVerifier with a JWKS URL', () => {
  let server: Server;
  let url: string;
  let served: JWK[] = [];
  let fetches = 0;
  const keys: Record<string, { privateKey: CryptoKey; jwk: JWK; spki: string }> = {};

  async function addKey(kid: string) {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    keys[kid] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }, spki: await exportSPKI(publicKey) };
  }
  const rs256 = (kid: string, claims: Record<string, unknown> = {}) =>
    new SignJWT({ roles: ['admin'], ...claims })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('alice')
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime('5m')
      .sign(keys[kid]!.privateKey);

  beforeAll(async () => {
    await addKey('k1');
    await addKey('k2');
    served = [keys.k1!.jwk];
    server = createServer((_req, res) => {
      fetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('accepts a token signed by a published key', async () => {
    const verifier = createJwtVerifier({ jwksUrl: url, issuer: ISS, audience: AUD });
    await expect(verifier.verify(await rs256('k1'))).resolves.toMatchObject({ subject: 'alice', roles: ['admin'] });
  });

  it('refuses an unknown kid', async () => {
    const verifier = createJwtVerifier({ jwksUrl: url, issuer: ISS, audience: AUD });
    await expectRejected(verifier, await rs256('k2'), /No known key/);
  });

  it('follows a key rollover: an unknown kid triggers one refetch (after the cooldown)', async () => {
    served = [keys.k1!.jwk];
    const verifier = createJwtVerifier({ jwksUrl: url, issuer: ISS, audience: AUD, jwksCooldownMs: 50 });
    await verifier.verify(await rs256('k1'));
    served = [keys.k1!.jwk, keys.k2!.jwk]; // the provider publishes k2 next to k1
    await new Promise((r) => setTimeout(r, 80));
    const before = fetches;
    await expect(verifier.verify(await rs256('k2'))).resolves.toMatchObject({ subject: 'alice' });
    expect(fetches).toBe(before + 1);
    await expect(verifier.verify(await rs256('k1'))).resolves.toMatchObject({ subject: 'alice' });
    expect(fetches).toBe(before + 1); // both kids now come from the cache
  });

  it('a retired key stops working once the cached set ages out', async () => {
    served = [keys.k1!.jwk, keys.k2!.jwk];
    const verifier = createJwtVerifier({ jwksUrl: url, issuer: ISS, audience: AUD, jwksCooldownMs: 50, jwksCacheMaxAgeMs: 50 });
    await verifier.verify(await rs256('k1'));
    served = [keys.k2!.jwk]; // k1 retired
    await new Promise((r) => setTimeout(r, 80));
    await expectRejected(verifier, await rs256('k1'), /No known key/);
    await expect(verifier.verify(await rs256('k2'))).resolves.toMatchObject({ subject: 'alice' });
  });

  it('refuses HS256/RS256 confusion: an HS256 token signed with the public key as the HMAC secret', async () => {
    served = [keys.k1!.jwk];
    const verifier = createJwtVerifier({ jwksUrl: url, issuer: ISS, audience: AUD });
    const header = b64url({ alg: 'HS256', typ: 'JWT', kid: 'k1' });
    const payload = b64url({ sub: 'eve', roles: ['admin'], iss: ISS, aud: AUD, exp: now() + 300 });
    const signature = createHmac('sha256', keys.k1!.spki).update(`${header}.${payload}`).digest('base64url');
    await expectRejected(verifier, `${header}.${payload}.${signature}`, /algorithm/);
  });

  it('refuses a tampered RS256 signature and a token signed by a key not in the set under a known kid', async () => {
    served = [keys.k1!.jwk];
    const verifier = createJwtVerifier({ jwksUrl: url, issuer: ISS, audience: AUD });
    const token = await rs256('k1');
    const [h, p, s] = token.split('.');
    const flipped = `${s!.slice(0, 10)}${s![10] === 'A' ? 'B' : 'A'}${s!.slice(11)}`;
    await expectRejected(verifier, `${h}.${p}.${flipped}`, /signature/);
    const { privateKey: rogue } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setSubject('eve')
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime('5m')
      .sign(rogue);
    await expectRejected(verifier, forged, /signature/);
  });

  it('answers 503 (not 401) when the JWKS cannot be fetched', async () => {
    const verifier = createJwtVerifier({ jwksUrl: 'http://127.0.0.1:1/jwks.json', issuer: ISS, audience: AUD, jwksTimeoutMs: 500 });
    const err = await verifier.verify(await rs256('k1')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('SEARCH_BACKEND_UNAVAILABLE');
  });
});
