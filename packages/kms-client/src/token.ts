/**
 * Where a service's KMS credential comes from: a token given in the environment (KMS_TOKEN, or the
 * seeds' ADMIN_TOKEN), or one the service signs itself with the shared JWT secret (the development
 * default), renewed before it expires.
 */
import { Type } from 'typebox';
import { ConfigError, jwtSettingsFromConfig, mintDevToken, type JwtConfig } from '@fountain/kit';
import { createKmsClient, type KmsClient } from './client.ts';

/** The KMS variables, to spread into a service's config schema (with the kit's jwtConfigVars). */
export const kmsConfigVars = {
  KEY_MANAGEMENT_URL: Type.Optional(Type.String({ pattern: '^https?://', description: 'The Key Management Service; unset: static keys only' })),
  KMS_TOKEN: Type.Optional(Type.String({ minLength: 1, description: 'Bearer token for the KMS; default: signed with JWT_SECRET' })),
  ADMIN_TOKEN: Type.Optional(Type.String({ minLength: 1, description: "The seeds' name for KMS_TOKEN" })),
  KEY_REFRESH_MS: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 30_000, description: 'How often a service re-reads its key (rotations)' }),
};

/** Options of {@link kmsTokenProvider}. */
export interface KmsTokenOptions {
  /** A fixed token (KMS_TOKEN / ADMIN_TOKEN). */
  token?: string;
  /** Or sign one: the shared HS256 secret and the claims the KMS checks. */
  sign?: { secret: string; issuer: string; audience: string };
  /** The token's subject (the service's SERVICE_NAME) and roles. */
  sub: string;
  roles: string[];
  /** Lifetime of a signed token (default 15 min); it is renewed a minute before it ends. */
  ttlSec?: number;
}

/**
 * A token provider for the KMS client.
 *
 * @example
 *   const token = kmsTokenProvider({ token: config.KMS_TOKEN, sign: { secret, issuer, audience }, sub: 'central_sequence_service', roles: ['service'] });
 */
export function kmsTokenProvider(opts: KmsTokenOptions): () => Promise<string> {
  if (opts.token) {
    const fixed = opts.token;
    return () => Promise.resolve(fixed);
  }
  if (!opts.sign) throw new Error('kmsTokenProvider: give a token (KMS_TOKEN) or a signing secret (JWT_SECRET)');
  const sign = opts.sign;
  const ttlSec = opts.ttlSec ?? 900;
  let cached: { token: string; renewAt: number } | null = null;
  return async () => {
    if (cached && Date.now() < cached.renewAt) return cached.token;
    const token = await mintDevToken({ sub: opts.sub, roles: opts.roles, ttlSec, secret: sign.secret, issuer: sign.issuer, audience: sign.audience });
    cached = { token, renewAt: Date.now() + Math.max(1, ttlSec - 60) * 1000 };
    return token;
  };
}

/** The parsed KMS and JWT variables (a service's config has both fragments). */
export type KmsConfig = { KEY_MANAGEMENT_URL?: string; KMS_TOKEN?: string; ADMIN_TOKEN?: string; KEY_REFRESH_MS: number } & JwtConfig;

/**
 * The KMS client a service's config asks for, or null without KEY_MANAGEMENT_URL (static keys only).
 * The credential is KMS_TOKEN (or the seeds' ADMIN_TOKEN), else a token the service signs with
 * JWT_SECRET (in development the kit's public default; in production only an explicit JWT_SECRET).
 * Throws a ConfigError when there is no way to get a credential.
 *
 * @example
 *   const kms = kmsClientFromConfig(config, config.NODE_ENV, { sub: config.SERVICE_NAME, roles: ['service'] });
 */
export function kmsClientFromConfig(config: KmsConfig, nodeEnv: string, identity: { sub: string; roles: string[] }): KmsClient | null {
  if (!config.KEY_MANAGEMENT_URL) return null;
  const fixed = config.KMS_TOKEN ?? config.ADMIN_TOKEN;
  let sign: KmsTokenOptions['sign'];
  if (!fixed) {
    if (config.JWT_JWKS_URL !== undefined && config.JWT_SECRET === undefined) {
      throw new ConfigError(['KMS_TOKEN: required with KEY_MANAGEMENT_URL when tokens come from JWT_JWKS_URL (this service cannot sign its own)']);
    }
    const settings = jwtSettingsFromConfig({ ...config, JWT_JWKS_URL: undefined }, nodeEnv);
    sign = { secret: settings.secret as string, issuer: settings.issuer, audience: settings.audience };
  }
  return createKmsClient({ url: config.KEY_MANAGEMENT_URL, token: kmsTokenProvider({ ...(fixed ? { token: fixed } : { sign }), ...identity }) });
}
