/** @fountain/kit: the shared plumbing every FountainAI service uses. */
export { AppError, ERROR_CODES, ErrorEnvelopeSchema, codeForStatus, statusOf } from './errors.ts';
export type { ErrorCode, ErrorEnvelope } from './errors.ts';
export { ConfigError, boolVar, collectProblems, isSecretName, loadConfig, portVar, readEnv, secretValues, settingsOrExit, startupOrExit } from './config.ts';
export { StartupError, describeFsError, ensureWritableDir } from './data-dir.ts';
export type { LoadConfigOptions } from './config.ts';
export { REDACT_PATHS, createLogger, redactUrl, secretMasker, serializeError } from './logger.ts';
export { isWellFormed, parseJsonText, registerBodyParser } from './json-body.ts';
export type { CreateLoggerOptions } from './logger.ts';
export { REQUEST_ID_HEADER, genRequestId, isValidRequestId, requestIdHeaders } from './request-id.ts';
export {
  INTERNAL_MESSAGE,
  envelopeResponse,
  errorHandlerPlugin,
  handleError,
  sendEnvelope,
  toEnvelope,
  validationIssues,
} from './error-handler.ts';
export type { ErrorHandlerOptions, ValidationIssue } from './error-handler.ts';
export {
  ACTIONS,
  UNAUTHORIZED_MESSAGE,
  WILDCARD_ACTIONS,
  authPlugin,
  authenticator,
  authorize,
  globMatch,
  isAllowed,
  isDefaultPublic,
  parseApiKeys,
  presentedKey,
} from './auth.ts';
export type { Action, ApiKey, AuthOptions } from './auth.ts';
export { NOT_FOUND_ROUTE, observabilityPlugin } from './observability.ts';
export type { ObservabilityOptions, ReadyCheck, ReadyChecks } from './observability.ts';
export { BODY_LIMITS, DOCUMENT_LIMITS, assertJsonWithinLimits, checkJsonValue, scanJsonText } from './json-limits.ts';
export type { JsonLimitViolation, JsonLimits } from './json-limits.ts';
export { DEFAULT_BODY_LIMIT, createApp } from './create-app.ts';
export type { App, CreateAppOptions } from './create-app.ts';
export { LAUNCHER_PID_VAR, bindHost, runServer } from './server.ts';
export type { RunServerOptions, RunningServer } from './server.ts';
export { DEV_JWT_SECRET, DEV_KMS_MASTER_KEY, SEED_DEV_API_KEY, SEED_DEV_SERVICE_KEY } from './dev-keys.ts';
export {
  DEFAULT_CLOCK_TOLERANCE_SEC,
  DEFAULT_JWT_AUDIENCE,
  DEFAULT_JWT_ISSUER,
  DEFAULT_MAX_TOKEN_BYTES,
  MIN_JWT_SECRET_BYTES,
  createJwtVerifier,
  jwtSettingsProblems,
  mintDevToken,
} from './jwt.ts';
export type { JwtVerifier, JwtVerifierSettings, MintDevTokenOptions, Principal } from './jwt.ts';
export { JwtConfigSchema, jwtConfigVars, jwtSettingsFromConfig } from './jwt-config.ts';
export type { JwtConfig } from './jwt-config.ts';
export { bearerToken, hasJwtBearer, jwtAuthPlugin, jwtAuthenticator, requireRole } from './jwt-auth.ts';
export type { JwtAuthOptions } from './jwt-auth.ts';
export { migrate, parseDatabaseUrl } from './sqlite.ts';
export type { MigratableDatabase } from './sqlite.ts';
