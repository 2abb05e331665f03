/**
 * The services behind the edge: where each one listens and how the edge authenticates to it. The
 * edge never forwards a caller's token to a service that takes API keys: it presents that service's
 * own key, and passes the caller's subject and roles in `X-Fountain-Subject` / `X-Fountain-Roles` for
 * the service's logs. The Key Management Service is the exception: it verifies JWTs itself (with the
 * same kit verifier) and records who did what, so it gets the caller's own token.
 */

/** The services the edge routes to. */
export const SERVICE_NAMES = ['sequence', 'characters', 'scripts', 'search', 'kms'] as const;

/** One of the services the edge routes to. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Where a service is and the credential the edge presents to it. */
export interface Upstream {
  name: ServiceName;
  /** Origin (and optional base path), e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** How the edge authenticates: with the service's own key, or by passing the caller's JWT on. */
  auth: { kind: 'api-key'; apiKey: string } | { kind: 'caller-jwt' };
}

/** The environment variables naming each service's URL and the key the edge presents to it. */
export const SERVICE_ENV: Record<ServiceName, { url: string; defaultUrl?: string; key?: string; label: string }> = {
  sequence: { url: 'SEQUENCE_URL', defaultUrl: 'http://127.0.0.1:8000', key: 'SEQUENCE_API_KEY', label: 'Central Sequence Service' },
  characters: { url: 'CHARACTERS_URL', defaultUrl: 'http://127.0.0.1:8004', key: 'CHARACTERS_API_KEY', label: 'Character Service' },
  scripts: { url: 'SCRIPTS_URL', defaultUrl: 'http://127.0.0.1:8005', key: 'SCRIPTS_API_KEY', label: 'Core Script Management' },
  search: { url: 'TYPESENSE_CLIENT_URL', defaultUrl: 'http://127.0.0.1:8001', key: 'TYPESENSE_SERVICE_API_KEY', label: 'Search Gateway' },
  // Optional: without it, /v1/keys answers 502 naming the variable.
  kms: { url: 'KEY_MANAGEMENT_URL', label: 'Key Management Service' },
};

/** Headers carrying the verified caller to a service. Never accepted from a client. */
export const SUBJECT_HEADER = 'x-fountain-subject';
export const ROLES_HEADER = 'x-fountain-roles';
