/**
 * The HTTP client of the Key Management Service: a service's own key, the change feed, usage
 * reports. Every call carries an `X-Request-Id` and a bearer token from the token provider; a
 * refusal keeps the KMS's `errorCode` and message; an unreachable KMS or a 5xx is a retryable
 * SEARCH_BACKEND_UNAVAILABLE.
 */
import { randomUUID } from 'node:crypto';
import { AppError, codeForStatus, ERROR_CODES, REQUEST_ID_HEADER, type ErrorCode } from '@fountain/kit';

/** One key in the change feed (see the KMS's `GET /changes`). */
export interface FeedKey {
  id: string;
  service: string;
  name: string;
  collections: string[];
  actions: string[];
  /** SHA-256 (hex) of the secret. */
  digest: string;
  prefix: string;
  created_at_ms: number;
  expires_at_ms: number | null;
  revoked_at_ms: number | null;
  /** Search-only keys only: the parent secret of scoped search keys. */
  search_secret?: string;
}

/** A page of the change feed. */
export interface FeedPage {
  seq: number;
  /** The page is the whole set: drop what you held. */
  reset: boolean;
  keys: FeedKey[];
}

/** A service's current key. */
export interface ServiceKeyRecord {
  apiKey: string;
  id: string;
  expiresAt: string | null;
}

/** The KMS client; see {@link createKmsClient}. */
export interface KmsClient {
  /** The seeds' `GET /keys/{service}`. */
  serviceKey(service: string, name?: string, requestId?: string): Promise<ServiceKeyRecord>;
  /** `GET /changes?since&wait_ms` (long poll). */
  changes(since: number, waitMs: number, signal?: AbortSignal): Promise<FeedPage>;
  /** `POST /usage`. */
  reportUsage(keyIds: string[]): Promise<void>;
}

/** Options of {@link createKmsClient}. */
export interface KmsClientOptions {
  /** KEY_MANAGEMENT_URL, e.g. `http://127.0.0.1:8003`. */
  url: string;
  /** The bearer token of each call (see kmsTokenProvider). */
  token: () => Promise<string>;
  /** Per-call timeout, added to a long poll's wait (default 5 s). */
  timeoutMs?: number;
}

/**
 * Builds a client.
 *
 * @example
 *   const kms = createKmsClient({ url: 'http://127.0.0.1:8003', token: kmsTokenProvider({ ... }) });
 *   const { apiKey } = await kms.serviceKey('central_sequence_service');
 */
export function createKmsClient(opts: KmsClientOptions): KmsClient {
  const base = opts.url.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 5_000;

  async function call<T>(method: string, path: string, body?: unknown, extra: { waitMs?: number; signal?: AbortSignal; requestId?: string } = {}): Promise<T> {
    const timeout = AbortSignal.timeout(timeoutMs + (extra.waitMs ?? 0));
    const signal = extra.signal ? AbortSignal.any([extra.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        signal,
        headers: {
          authorization: `Bearer ${await opts.token()}`,
          [REQUEST_ID_HEADER]: extra.requestId ?? randomUUID(),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      if (extra.signal?.aborted) throw err;
      throw new AppError('SEARCH_BACKEND_UNAVAILABLE', `Key Management Service unreachable (${base}): ${(err as Error).message}`, { cause: err, retryable: true });
    }
    const text = await res.text();
    if (res.ok) return JSON.parse(text) as T;
    let code: ErrorCode = codeForStatus(res.status);
    let message = `Key Management Service answered ${res.status}`;
    try {
      const env = JSON.parse(text) as { errorCode?: string; message?: string };
      if (typeof env.errorCode === 'string' && (ERROR_CODES as readonly string[]).includes(env.errorCode)) code = env.errorCode as ErrorCode;
      if (typeof env.message === 'string') message = `Key Management Service: ${env.message}`;
    } catch {
      // not the envelope: keep the status's code
    }
    throw new AppError(res.status >= 500 ? 'SEARCH_BACKEND_UNAVAILABLE' : code, message, { retryable: res.status >= 500 || res.status === 429, details: { status: res.status } });
  }

  return {
    async serviceKey(service, name = 'default', requestId) {
      const q = name === 'default' ? '' : `?name=${encodeURIComponent(name)}`;
      const r = await call<{ api_key: string; key: { id: string; expires_at: string | null } }>('GET', `/keys/${encodeURIComponent(service)}${q}`, undefined, { requestId });
      return { apiKey: r.api_key, id: r.key.id, expiresAt: r.key.expires_at };
    },
    changes: (since, waitMs, signal) => call<FeedPage>('GET', `/changes?since=${since}&wait_ms=${waitMs}`, undefined, { waitMs, signal }),
    async reportUsage(keyIds) {
      if (keyIds.length > 0) await call('POST', '/usage', { key_ids: keyIds });
    },
  };
}
