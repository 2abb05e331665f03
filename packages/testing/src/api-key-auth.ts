import type { AuthRules } from './route-checks.ts';

/** The kit's one 401 message (`@fountain/kit` auth): the same for a missing and a wrong key. */
export const UNAUTHORIZED_MESSAGE = 'Invalid or missing API Key';

/**
 * The authentication rules of a service on the kit's API keys, for the route checker: no key, a wrong
 * key (as X-API-KEY or Bearer), the key with a suffix and Basic auth are the same 401, never echoing
 * the key; the key is accepted as X-API-KEY and as Bearer. Spread it and override what differs.
 *
 * @example
 *   auth: { ...apiKeyAuth(API_KEY), insufficient: (route) => [...] }
 */
export function apiKeyAuth(key: string): AuthRules<unknown> & { accepted: Array<{ name: string; headers: Record<string, string> }> } {
  return {
    rejected: [
      { name: 'no key', headers: {} },
      { name: 'a wrong key', headers: { 'x-api-key': 'not-the-key' } },
      { name: 'a wrong Bearer', headers: { authorization: 'Bearer not-the-key' } },
      { name: 'the key with a suffix', headers: { 'x-api-key': `${key}x` } },
      { name: 'Basic auth', headers: { authorization: 'Basic Zm9vOmJhcg==' } },
    ],
    rejectedMessage: UNAUTHORIZED_MESSAGE,
    accepted: [
      { name: 'X-API-KEY', headers: { 'x-api-key': key } },
      { name: 'Bearer', headers: { authorization: `Bearer ${key}` } },
    ],
    secrets: [key],
  };
}
