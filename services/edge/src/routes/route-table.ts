/**
 * THE route table: every versioned path the edge answers, the service it goes to, and the least role
 * it needs. Roles live here and nowhere else: the proxy registers one route per row, the role check
 * reads the row's role from the matched route, and `test/route-table.security.test.ts` walks these
 * rows proving each refuses every role below its own. A new service adds its rows here.
 */
import type { Role } from '../roles.ts';
import type { ServiceName } from '../services.ts';

/** An HTTP method the edge routes. */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One row of the table. */
export interface EdgeRoute {
  method: Method;
  /** The public path (find-my-way syntax, `:param` for one segment). */
  path: string;
  /** Where it goes: a service, or `edge` for a route the edge answers itself. */
  service: ServiceName | 'edge';
  /** The path at the service, `:param`s filled in; default the public path without `/v1`. */
  upstreamPath?: string;
  /** The least role that may call it. */
  role: Role;
  /** One line for /docs. */
  summary: string;
}

/** The prefix of the Search Gateway's Typesense-compatible API at the edge. */
export const SEARCH_API_PREFIX = '/v1/search-api';

/** The sync admin routes every synced service has (`@fountain/sync`), under `/v1/sync/<service>`. */
function syncRoutes(service: ServiceName): EdgeRoute[] {
  const at = (path: string): Pick<EdgeRoute, 'path' | 'upstreamPath' | 'service'> => ({
    path: `/v1/sync/${service}${path}`,
    upstreamPath: `/sync${path}`,
    service,
  });
  return [
    { method: 'GET', ...at('/status'), role: 'operator', summary: `${service}: outbox depth and age, dead letters, relay state` },
    { method: 'GET', ...at('/dead-letters'), role: 'operator', summary: `${service}: documents the index rejected for good` },
    { method: 'POST', ...at('/dead-letters/replay'), role: 'operator', summary: `${service}: send dead letters again` },
    { method: 'POST', ...at('/dead-letters/discard'), role: 'operator', summary: `${service}: forget dead letters` },
    { method: 'POST', ...at('/audit'), role: 'operator', summary: `${service}: compare every row with its document` },
  ];
}

/** A blueprint service's CRUD (@fountain/service's crudRoutes) under `/v1/<plural>`. */
function crudRows(service: ServiceName, plural: string, noun: string): EdgeRoute[] {
  return [
    { method: 'GET', path: `/v1/${plural}`, service, role: 'viewer', summary: `List ${plural}` },
    { method: 'POST', path: `/v1/${plural}`, service, role: 'editor', summary: `Create a ${noun}` },
    { method: 'GET', path: `/v1/${plural}/:id`, service, role: 'viewer', summary: `Get one ${noun}` },
    { method: 'PUT', path: `/v1/${plural}/:id`, service, role: 'editor', summary: `Replace a ${noun}` },
    { method: 'PATCH', path: `/v1/${plural}/:id`, service, role: 'editor', summary: `Change a ${noun}` },
    { method: 'DELETE', path: `/v1/${plural}/:id`, service, role: 'editor', summary: `Delete a ${noun}` },
  ];
}

/** The Search Gateway's Typesense-compatible API (and the seeds' endpoints), under {@link SEARCH_API_PREFIX}. */
function searchApiRoutes(): EdgeRoute[] {
  const rows: Array<[Method, string, Role, string]> = [
    ['POST', '/documents/sync', 'editor', "The seeds' create/update/delete of one document"],
    ['POST', '/search', 'viewer', "The seeds' search"],
    ['GET', '/collections', 'viewer', 'List collections'],
    ['GET', '/collections/:collection', 'viewer', 'Retrieve a collection'],
    ['POST', '/collections', 'operator', 'Create a collection'],
    ['PATCH', '/collections/:collection', 'operator', "Change a collection's schema"],
    ['DELETE', '/collections/:collection', 'operator', 'Drop a collection'],
    ['GET', '/collections/:collection/documents/search', 'viewer', 'Search a collection (Typesense parameters)'],
    ['POST', '/collections/:collection/documents', 'editor', 'Create, upsert, update or emplace a document'],
    ['POST', '/collections/:collection/documents/import', 'editor', 'JSONL import (streamed through the edge)'],
    ['GET', '/collections/:collection/documents/export', 'viewer', 'JSONL export'],
    ['DELETE', '/collections/:collection/documents', 'editor', 'Delete the documents matching `filter_by`'],
    ['GET', '/collections/:collection/documents/:id', 'viewer', 'Retrieve a document'],
    ['PATCH', '/collections/:collection/documents/:id', 'editor', 'Update a document'],
    ['DELETE', '/collections/:collection/documents/:id', 'editor', 'Delete a document'],
    ['POST', '/multi_search', 'viewer', 'Several searches in one request'],
    ['GET', '/aliases', 'viewer', 'List aliases'],
    ['GET', '/aliases/:alias', 'viewer', 'Retrieve an alias'],
    ['PUT', '/aliases/:alias', 'operator', 'Create or repoint an alias'],
    ['DELETE', '/aliases/:alias', 'operator', 'Delete an alias'],
  ];
  return rows.map(([method, path, role, summary]) => ({
    method,
    path: `${SEARCH_API_PREFIX}${path}`,
    upstreamPath: path,
    service: 'search',
    role,
    summary,
  }));
}

/** Every versioned route of the edge. */
export const ROUTES: readonly EdgeRoute[] = [
  // The edge's own: one search across every service's collection.
  { method: 'GET', path: '/v1/search', service: 'edge', role: 'viewer', summary: "Search every service's collection at once, grouped by collection" },

  // Central Sequence Service: its own paths under /v1.
  { method: 'POST', path: '/v1/sequence', service: 'sequence', role: 'editor', summary: 'Assign the next sequence number to an element' },
  { method: 'PUT', path: '/v1/sequence/reorder', service: 'sequence', role: 'editor', summary: 'Reorder elements' },
  { method: 'POST', path: '/v1/sequence/reorder', service: 'sequence', role: 'editor', summary: 'Reorder elements (seeds/002 shape)' },
  { method: 'POST', path: '/v1/sequence/version', service: 'sequence', role: 'editor', summary: 'Create a new version of an element' },
  { method: 'GET', path: '/v1/elements/:type', service: 'sequence', role: 'viewer', summary: 'The elements of a type, in sequence order' },
  { method: 'GET', path: '/v1/elements/:type/:id', service: 'sequence', role: 'viewer', summary: 'One element' },
  { method: 'GET', path: '/v1/elements/:type/:id/versions', service: 'sequence', role: 'viewer', summary: "An element's versions" },
  { method: 'GET', path: '/v1/elements/:type/:id/versions/:n', service: 'sequence', role: 'viewer', summary: 'One version, with its data' },
  ...syncRoutes('sequence'),

  // Character Service and Core Script Management (on the blueprint).
  ...crudRows('characters', 'characters', 'character'),
  ...syncRoutes('characters'),
  ...crudRows('scripts', 'scripts', 'script'),
  ...syncRoutes('scripts'),

  // Search Gateway.
  ...searchApiRoutes(),

  // Key Management Service: keys are the admin's alone.
  { method: 'GET', path: '/v1/keys', service: 'kms', role: 'admin', summary: 'List keys' },
  { method: 'POST', path: '/v1/keys', service: 'kms', role: 'admin', summary: 'Issue a key' },
  { method: 'GET', path: '/v1/keys/:service', service: 'kms', role: 'admin', summary: "A service's current key (the seeds' GET /keys/{service})" },
  { method: 'PATCH', path: '/v1/keys/:id', service: 'kms', role: 'admin', summary: "Change a key's scope" },
  { method: 'POST', path: '/v1/keys/:id/rotate', service: 'kms', role: 'admin', summary: 'Rotate a key (the old secret stays valid for the grace period)' },
  { method: 'POST', path: '/v1/keys/:id/revoke', service: 'kms', role: 'admin', summary: 'Revoke a key' },
  { method: 'GET', path: '/v1/keys-audit', upstreamPath: '/audit', service: 'kms', role: 'admin', summary: 'The audit log of key operations' },
];

/** The upstream path of a row with its parameters filled in, each percent-encoded as one segment. */
export function upstreamPathOf(route: EdgeRoute, params: Record<string, string>): string {
  const template = route.upstreamPath ?? route.path.slice('/v1'.length);
  return template.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => encodeURIComponent(params[name] ?? ''));
}
