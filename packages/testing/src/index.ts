/** Test helpers shared by every package: a real Typesense server and free loopback ports. */
export { freePort } from './free-port.ts';
export {
  startTypesense,
  findTypesenseBinary,
  typesenseAvailable,
  waitForTypesense,
  type TypesenseServer,
} from './typesense-server.ts';
export { startService, REPO_ROOT, type ServiceProcess } from './service-process.ts';
export { startGateway, GATEWAY_ENTRY, type GatewayProcess } from './gateway-process.ts';
export {
  BENCH_SCHEMA,
  type BenchSchema,
  VOCABULARY,
  WORDS,
  benchRecords,
  makeDocs,
  percentile,
  queryWords,
  type BenchRecord,
} from './synthetic-data.ts';
export { expectEnvelope, expectValidation, type EnvelopeAnswer } from './envelope.ts';
export { tempDir } from './temp-dir.ts';
export { descendants, isAlive } from './process-tree.ts';
export { redisAvailable, requireRedis, startRedis, type RedisServer } from './redis-server.ts';
export { caddyAvailable, requireCaddy, startCaddy, type CaddyServer } from './caddy-server.ts';
export { describeRouteTable, checkUnknownRoute, checkMethodNotAllowed } from './route-table-suite.ts';
export {
  checkRoute,
  checkAuth,
  checkBodies,
  checkParams,
  checkSegmentAttacks,
  freshN,
  MALFORMED_JSON,
  WRONG_SHAPES,
  type RouteCase,
  type RouteChecks,
  type AuthRules,
  type ValidationRules,
  type Credential,
  type CheckedApp,
  type HttpMethod,
} from './route-checks.ts';
export { SEGMENT_ATTACKS, BAD_PARAM_VALUES, paramSegments, withSegment, matchesPattern, type SegmentAttack } from './path-attacks.ts';
export { sendRaw, type RawAnswer } from './raw-http.ts';
export { apiKeyAuth, UNAUTHORIZED_MESSAGE } from './api-key-auth.ts';
