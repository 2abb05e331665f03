/**
 * The services behind the edge: where each one listens and how the edge authenticates to it. The
 * edge never forwards a caller's token to a service that takes API keys: it presents that service's
 * own key (from the environment today; from the KMS when one runs), and passes the caller's subject
 * and roles in `X-Fountain-Subject` / `X-Fountain-Roles` for the service's logs.
 */

/** The services the edge routes to. */
export const SERVICE_NAMES = ['sequence', 'search'] as const;

/** One of the services the edge routes to. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Where a service is and the credential the edge presents to it. */
export interface Upstream {
  name: ServiceName;
  /** Origin (and optional base path), e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** The key sent as `X-API-KEY`; never the caller's. */
  apiKey: string;
}

/** The environment variables naming each service's URL and the key the edge presents to it. */
export const SERVICE_ENV: Record<ServiceName, { url: string; defaultUrl: string; key: string; label: string }> = {
  sequence: { url: 'SEQUENCE_URL', defaultUrl: 'http://127.0.0.1:8000', key: 'SEQUENCE_API_KEY', label: 'Central Sequence Service' },
  search: { url: 'TYPESENSE_CLIENT_URL', defaultUrl: 'http://127.0.0.1:8001', key: 'TYPESENSE_SERVICE_API_KEY', label: 'Search Gateway' },
};

/** Headers carrying the verified caller to a service. Never accepted from a client. */
export const SUBJECT_HEADER = 'x-fountain-subject';
export const ROLES_HEADER = 'x-fountain-roles';
