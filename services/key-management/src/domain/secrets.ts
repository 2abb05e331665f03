/**
 * Key secrets: generated with 256 bits from the OS's CSPRNG, stored sealed with AES-256-GCM under the
 * master key, with the key's id as associated data (a sealed secret copied onto another record does
 * not open). Verifiers get SHA-256 digests, never secrets.
 */
import { createCipheriv, createDecipheriv, hash, randomBytes } from 'node:crypto';

/** Every secret starts with this, so a leaked one is recognisable (secret scanners, logs). */
export const SECRET_PREFIX = 'fk_';
/** Random bytes per secret: 32 bytes = 256 bits of entropy. */
export const SECRET_BYTES = 32;
/** How many characters of a secret are shown (prefix included): enough to tell keys apart, useless to an attacker. */
export const DISPLAY_PREFIX_CHARS = 9;

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A new secret: `fk_` + 43 base64url characters (256 random bits). */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64url');
}

/** The part of a secret that may be shown and logged. */
export function displayPrefix(secret: string): string {
  return secret.slice(0, DISPLAY_PREFIX_CHARS);
}

/** The SHA-256 digest (hex) verifiers compare presented keys against. */
export function secretDigest(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** Parses the master key: 32 bytes as 64 hex characters or as base64. Answers null when it is not one. */
export function parseMasterKey(text: string): Buffer | null {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  return bytes.length === 32 ? bytes : null;
}

/** Seals a secret: version(1) | iv(12) | tag(16) | ciphertext, bound to `keyId`. */
export function seal(masterKey: Buffer, keyId: string, secret: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(keyId));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** Opens a sealed secret; throws when the master key is wrong or the record was tampered with. */
export function open(masterKey: Buffer, keyId: string, sealed: Buffer): string {
  if (sealed[0] !== VERSION) throw new Error(`unknown sealed-secret version ${sealed[0]}`);
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', masterKey, iv);
  decipher.setAAD(Buffer.from(keyId));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}
