/**
 * The one JWT verifier of every FountainAI service (the KMS, the edge gateway, ...), built on `jose`:
 * HS256 with a shared secret in development, a JWKS URL (with key rotation) in production. Algorithms
 * are on an allowlist that never contains `none` and never mixes HMAC with public-key algorithms, so
 * an HS256 token signed with a public key is refused. `iss`, `aud`, `exp` (required) and `nbf` are
 * checked with a small clock tolerance. Every bad token is an UNAUTHORIZED AppError whose message
 * says what was wrong and never contains the token.
 */
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ConfigError } from './config.ts';
import { DEV_JWT_SECRET } from './dev-keys.ts';
import { AppError } from './errors.ts';

/** How a {@link JwtVerifier} checks tokens. Exactly one of `secret` and `jwksUrl`. */
export interface JwtVerifierSettings {
  /** The HS256 shared secret (development; at least 32 bytes). */
  secret?: string;
  /** The JWKS URL of the identity provider (production); keys are fetched and rotated by kid. */
  jwksUrl?: string;
  /** The required `iss` claim. */
  issuer: string;
  /** The required `aud` claim (the token's `aud` must contain it). */
  audience: string;
  /** The accepted `alg` values; default `['HS256']` with a secret, `['RS256','ES256','EdDSA']` with a JWKS. */
  algorithms?: string[];
  /** Allowed clock skew for `exp`/`nbf`/`iat`, in seconds (default 30). */
  clockToleranceSec?: number;
  /** The largest token accepted, in bytes (default 8 KiB); larger ones are refused before parsing. */
  maxTokenBytes?: number;
  /** JWKS: the shortest time between two refetches, e.g. on an unknown kid (default 30 s). */
  jwksCooldownMs?: number;
  /** JWKS: how long a fetched set is trusted before it is refetched (default 10 min). */
  jwksCacheMaxAgeMs?: number;
  /** JWKS: the fetch timeout (default 5 s). */
  jwksTimeoutMs?: number;
}

/** Who a verified token speaks for. */
export interface Principal {
  /** The `sub` claim. */
  subject: string;
  /** The `roles` array claim, or the single `role` claim. */
  roles: string[];
  /** Every claim of the token. */
  claims: Record<string, unknown>;
}

/** Verifies bearer tokens; see {@link createJwtVerifier}. */
export interface JwtVerifier {
  /** Verifies a token and returns its principal; throws AppError UNAUTHORIZED for any bad token. */
  verify(token: string): Promise<Principal>;
}

const HMAC_ALGORITHMS = new Set(['HS256', 'HS384', 'HS512']);
const ASYMMETRIC_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);

/** The default clock tolerance, in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SEC = 30;
/** The default largest token, in bytes. */
export const DEFAULT_MAX_TOKEN_BYTES = 8 * 1024;
/** The smallest HS256 secret accepted, in bytes (RFC 7518 3.2: at least the hash size). */
export const MIN_JWT_SECRET_BYTES = 32;

/** The problems of a settings object, one line each (empty when it is usable). */
export function jwtSettingsProblems(settings: JwtVerifierSettings): string[] {
  const problems: string[] = [];
  const { secret, jwksUrl } = settings;
  if ((secret === undefined) === (jwksUrl === undefined)) problems.push('JWT: set exactly one of JWT_SECRET and JWT_JWKS_URL');
  if (secret !== undefined && Buffer.byteLength(secret) < MIN_JWT_SECRET_BYTES) {
    problems.push(`JWT_SECRET: must be at least ${MIN_JWT_SECRET_BYTES} bytes (value hidden)`);
  }
  if (jwksUrl !== undefined && !URL.canParse(jwksUrl)) problems.push(`JWT_JWKS_URL: must be a URL (got ${JSON.stringify(jwksUrl)})`);
  if (!settings.issuer) problems.push('JWT_ISSUER: is required');
  if (!settings.audience) problems.push('JWT_AUDIENCE: is required');
  const allowed = jwksUrl !== undefined ? ASYMMETRIC_ALGORITHMS : HMAC_ALGORITHMS;
  for (const alg of settings.algorithms ?? []) {
    // Mixing families is what makes algorithm-confusion attacks possible; `none` is never a signature.
    if (!allowed.has(alg)) problems.push(`JWT algorithms: '${alg}' is not allowed with ${jwksUrl !== undefined ? 'a JWKS' : 'a shared secret'}`);
  }
  if (settings.algorithms !== undefined && settings.algorithms.length === 0) problems.push('JWT algorithms: the allowlist is empty');
  return problems;
}

/**
 * Builds a verifier. Throws a ConfigError listing every problem with the settings.
 *
 * @example
 *   const verifier = createJwtVerifier({ secret: config.JWT_SECRET, issuer: 'fountain', audience: 'fountain' });
 *   const principal = await verifier.verify(token); // AppError UNAUTHORIZED when bad
 */
export function createJwtVerifier(settings: JwtVerifierSettings): JwtVerifier {
  const problems = jwtSettingsProblems(settings);
  if (problems.length > 0) throw new ConfigError(problems, 'Invalid JWT settings');
  const jwks = settings.jwksUrl !== undefined;
  const algorithms = settings.algorithms ?? (jwks ? ['RS256', 'ES256', 'EdDSA'] : ['HS256']);
  const maxTokenBytes = settings.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
  const key: Uint8Array | JWTVerifyGetKey = jwks
    ? createRemoteJWKSet(new URL(settings.jwksUrl as string), {
        cooldownDuration: settings.jwksCooldownMs ?? 30_000,
        cacheMaxAge: settings.jwksCacheMaxAgeMs ?? 600_000,
        timeoutDuration: settings.jwksTimeoutMs ?? 5_000,
      })
    : new TextEncoder().encode(settings.secret);
  const options = {
    issuer: settings.issuer,
    audience: settings.audience,
    algorithms,
    clockTolerance: settings.clockToleranceSec ?? DEFAULT_CLOCK_TOLERANCE_SEC,
    // A token without an expiry would be valid forever.
    requiredClaims: ['exp', 'sub'],
  };

  return {
    async verify(token) {
      if (typeof token !== 'string' || token === '') throw unauthorized('Missing bearer token');
      if (Buffer.byteLength(token) > maxTokenBytes) throw unauthorized(`Token larger than ${maxTokenBytes} bytes`);
      let payload: JWTPayload;
      try {
        // jwtVerify's overloads differ only by the key's type.
        payload = (key instanceof Uint8Array ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options)).payload;
      } catch (err) {
        throw mapJoseError(err);
      }
      return principalOf(payload);
    },
  };
}

function unauthorized(message: string, cause?: unknown): AppError {
  return new AppError('UNAUTHORIZED', message, cause === undefined ? {} : { cause });
}

/** jose's errors, named for the caller. Messages are ours: jose's never hold the token, but be sure. */
function mapJoseError(err: unknown): AppError {
  if (err instanceof errors.JWTExpired) return unauthorized('Token expired', err);
  if (err instanceof errors.JWTClaimValidationFailed) {
    const claim = err.claim;
    const what = claim === 'nbf' ? 'Token not valid yet (nbf)' : `Token claim '${claim}' is invalid (${err.reason})`;
    return unauthorized(what, err);
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return unauthorized('Token algorithm not allowed', err);
  if (err instanceof errors.JWSSignatureVerificationFailed) return unauthorized('Token signature invalid', err);
  if (err instanceof errors.JWKSNoMatchingKey) return unauthorized('No known key matches the token (kid)', err);
  if (err instanceof errors.JWKSMultipleMatchingKeys) return unauthorized('Token key is ambiguous (kid)', err);
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError)) {
    // The identity provider is unreachable or broken: not the caller's fault, and retryable.
    return new AppError('SEARCH_BACKEND_UNAVAILABLE', 'Cannot verify the token: the JWKS is unavailable', { cause: err });
  }
  // JWSInvalid, JWTInvalid, JOSENotSupported (alg/key mismatch), ...
  return unauthorized('Malformed or unsupported token', err);
}

function principalOf(payload: JWTPayload): Principal {
  const subject = payload.sub;
  if (typeof subject !== 'string' || subject === '') throw unauthorized("Token claim 'sub' is missing");
  const { roles, role } = payload as { roles?: unknown; role?: unknown };
  let list: string[] = [];
  if (roles !== undefined) {
    if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) throw unauthorized("Token claim 'roles' must be an array of strings");
    list = [...roles];
  }
  if (role !== undefined) {
    if (typeof role !== 'string') throw unauthorized("Token claim 'role' must be a string");
    if (!list.includes(role)) list.push(role);
  }
  return { subject, roles: list, claims: { ...payload } };
}

/** What {@link mintDevToken} signs. */
export interface MintDevTokenOptions {
  sub: string;
  roles: string[];
  /** Lifetime in seconds (default 3600). */
  ttlSec?: number;
  /** Default {@link DEV_JWT_SECRET}. */
  secret?: string;
  /** Default {@link DEFAULT_JWT_ISSUER}. */
  issuer?: string;
  /** Default {@link DEFAULT_JWT_AUDIENCE}. */
  audience?: string;
}

/** The development issuer (JWT_ISSUER's default). */
export const DEFAULT_JWT_ISSUER = 'fountain-dev';
/** The development audience (JWT_AUDIENCE's default). */
export const DEFAULT_JWT_AUDIENCE = 'fountain';

/**
 * Signs an HS256 development token (the `npm run token` script; tests). Not for production: the
 * development secret is public, and production services refuse it.
 *
 * @example
 *   const token = await mintDevToken({ sub: 'alice', roles: ['admin'] });
 */
export async function mintDevToken(opts: MintDevTokenOptions): Promise<string> {
  return new SignJWT({ roles: opts.roles })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.sub)
    .setIssuer(opts.issuer ?? DEFAULT_JWT_ISSUER)
    .setAudience(opts.audience ?? DEFAULT_JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.ttlSec ?? 3600))
    .sign(new TextEncoder().encode(opts.secret ?? DEV_JWT_SECRET));
}
