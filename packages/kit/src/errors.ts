/**
 * The one error type every service throws for expected failures, and the closed list of codes from
 * DESIGN.md. Each code has exactly one HTTP status; the error handler plugin writes the envelope
 * `{errorCode, message, details}`.
 */
import { Type } from 'typebox';

/** The closed list of error codes. */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'PAYLOAD_TOO_LARGE',
  'RATE_LIMITED',
  'HEADERS_TOO_LARGE',
  'INTERNAL_SERVER_ERROR',
  'TYPESENSE_SYNC_ERROR',
  'SEARCH_BACKEND_UNAVAILABLE',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
] as const;

/** One of the closed list of error codes. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Maps an error code to its HTTP status. One switch, every code. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'VALIDATION_ERROR':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'METHOD_NOT_ALLOWED':
      return 405;
    case 'CONFLICT':
      return 409;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'RATE_LIMITED':
      return 429;
    case 'HEADERS_TOO_LARGE':
      return 431;
    case 'INTERNAL_SERVER_ERROR':
      return 500;
    case 'TYPESENSE_SYNC_ERROR':
      return 502;
    case 'SEARCH_BACKEND_UNAVAILABLE':
      return 503;
    // The edge's proxy: a service it routes to is down, refused the connection or answered nothing
    // usable (502), or did not answer in time (504).
    case 'UPSTREAM_UNAVAILABLE':
      return 502;
    case 'UPSTREAM_TIMEOUT':
      return 504;
  }
}

/** The error body written for every failed request. */
export interface ErrorEnvelope {
  errorCode: ErrorCode;
  message: string;
  details: unknown;
}

/**
 * An expected failure, mapped to the envelope at the HTTP edge.
 *
 * @example
 *   throw new AppError('NOT_FOUND', `No collection named '${name}'`);
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;
  /** Whether retrying the same request later may succeed (network, 5xx, no leader). */
  readonly retryable: boolean;
  /** Seconds a client should wait before retrying; the error handler sends it as `Retry-After`. */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { details?: unknown; cause?: unknown; retryable?: boolean; retryAfterSeconds?: number } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = opts.details ?? null;
    this.retryable = opts.retryable ?? (code === 'SEARCH_BACKEND_UNAVAILABLE' || code === 'UPSTREAM_UNAVAILABLE' || code === 'UPSTREAM_TIMEOUT');
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }

  /** The HTTP status of this error's code. */
  get status(): number {
    return statusOf(this.code);
  }

  /** The envelope written to the caller. */
  toEnvelope(): ErrorEnvelope {
    return { errorCode: this.code, message: this.message, details: this.details };
  }
}

/** Maps an HTTP status from an outside system to the closest code (used for pass-through errors). */
export function codeForStatus(status: number): ErrorCode {
  if (status === 400 || status === 422) return 'VALIDATION_ERROR';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 405) return 'METHOD_NOT_ALLOWED';
  if (status === 409) return 'CONFLICT';
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 431) return 'HEADERS_TOO_LARGE';
  if (status === 502) return 'TYPESENSE_SYNC_ERROR';
  if (status === 503 || status === 504) return 'SEARCH_BACKEND_UNAVAILABLE';
  if (status >= 400 && status < 500) return 'VALIDATION_ERROR';
  return 'INTERNAL_SERVER_ERROR';
}

/**
 * The envelope as a TypeBox schema, for route `response` declarations so `/docs` shows error bodies.
 *
 * @example
 *   schema: { response: { 200: Hit, 400: ErrorEnvelopeSchema, 404: ErrorEnvelopeSchema } }
 */
export const ErrorEnvelopeSchema = Type.Object(
  {
    errorCode: Type.Union(ERROR_CODES.map((code) => Type.Literal(code))),
    message: Type.String({ description: 'Human-readable; names the offending field for validation errors.' }),
    details: Type.Unknown({ description: 'Structured context, e.g. `[{path, message}]` for validation errors; may be null.' }),
  },
  { title: 'ErrorEnvelope', description: 'The error body of every failed request.' },
);
