/**
 * The JSON logger every service uses: pino, with secrets kept out three ways:
 * - redaction by path (headers and secret-named fields, wherever they are logged);
 * - an error serializer that keeps only an error's own facts (message, code, stack, cause) and never
 *   the HTTP client's config, request or response, where axios keeps the headers it sent, API key
 *   included;
 * - a last check on every written line that masks each configured secret value (`secrets`), for
 *   whatever a library puts in a message.
 * API keys are also stripped from logged URLs (Typesense clients may pass the key as a query parameter).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino redacts in every log line. */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-typesense-api-key"]',
  'req.headers["proxy-authorization"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-typesense-api-key"]',
  'headers["X-TYPESENSE-API-KEY"]',
  'headers["X-API-KEY"]',
  'headers.Authorization',
  'headers["proxy-authorization"]',
  'headers.cookie',
  '*.headers.authorization',
  '*.headers.Authorization',
  '*.headers["x-api-key"]',
  '*.headers["X-API-KEY"]',
  '*.headers["x-typesense-api-key"]',
  '*.headers["X-TYPESENSE-API-KEY"]',
  'query["x-typesense-api-key"]',
  '*.query["x-typesense-api-key"]',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'token',
  '*.apiKey',
  '*.api_key',
  '*.password',
  '*.secret',
  '*.token',
  'config',
  '*.config',
];

/** Query parameters whose values never reach a log line. */
const SECRET_QUERY_PARAMS = /([?&](?:x-typesense-api-key|api_key|apikey|api-key|token)=)[^&#]*/gi;

/** Replaces the value of API-key query parameters in a URL with `[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, '$1[redacted]');
}

/** Options for {@link createLogger}. */
export interface CreateLoggerOptions {
  /** The service name, logged as `name` on every line. */
  name: string;
  /** The pino level (default `info`). */
  level?: string;
  /** Where lines go (default stdout). */
  destination?: DestinationStream;
  /**
   * Secret values (API keys, passwords) masked in every line, wherever they appear: the last line of
   * defence for what a library writes into a message. Values shorter than 6 characters are ignored
   * (masking them would garble ordinary words).
   */
  secrets?: readonly (string | undefined)[];
}

/** An error's own facts that may be logged; everything else on it (axios' config, request, response) is dropped. */
const ERROR_FIELDS = ['code', 'errno', 'syscall', 'address', 'port', 'status', 'statusCode', 'httpStatus', 'errorCode', 'retryable', 'details'] as const;

/**
 * Serializes an error for a log line: type, message, stack, the scalar facts in {@link ERROR_FIELDS},
 * and its cause (and an AggregateError's errors), recursively. Never the enumerable rest: an axios
 * error (what the official Typesense client throws) carries `config.headers['X-TYPESENSE-API-KEY']`,
 * and pino's standard serializer would write it out.
 *
 * @example
 *   logger.error({ err: serializeError(e) }, 'failed'); // createLogger does this for `err` already
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) {
    if (typeof err === 'object' && err !== null) return { type: 'object', message: String((err as { message?: unknown }).message ?? '[object]') };
    return err;
  }
  const out: Record<string, unknown> = { type: err.constructor?.name ?? err.name, message: err.message, stack: err.stack };
  for (const field of ERROR_FIELDS) {
    const value = (err as unknown as Record<string, unknown>)[field];
    if (value !== undefined && value !== null && (typeof value !== 'object' || field === 'details')) out[field] = value;
  }
  if (depth < 5) {
    if (err.cause !== undefined) out.cause = serializeError(err.cause, depth + 1);
    if (err instanceof AggregateError) out.errors = err.errors.slice(0, 10).map((e) => serializeError(e, depth + 1));
  }
  return out;
}

/** Builds the line filter that masks every secret value (and its JSON-escaped form). */
export function secretMasker(secrets: readonly (string | undefined)[]): ((line: string) => string) | undefined {
  const forms = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < 6) continue;
    forms.add(s);
    forms.add(JSON.stringify(s).slice(1, -1));
    forms.add(encodeURIComponent(s));
  }
  // Longest first, so a secret that contains another is masked whole.
  const list = [...forms].sort((a, b) => b.length - a.length);
  if (list.length === 0) return undefined;
  return (line) => {
    let out = line;
    for (const s of list) if (out.includes(s)) out = out.split(s).join('[redacted]');
    return out;
  };
}

interface LoggableRequest {
  method?: string;
  url?: string;
  hostname?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/**
 * Creates the pino JSON logger with redaction in place.
 *
 * @example
 *   const logger = createLogger({ name: 'search-gateway', level: config.LOG_LEVEL });
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const mask = secretMasker(opts.secrets ?? []);
  const options = {
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    ...(mask ? { hooks: { streamWrite: mask } } : {}),
    // An error logged under any other name (`{ failure: err }`) is serialized the same safe way.
    formatters: {
      log: (obj: Record<string, unknown>) => {
        // (pino runs this before the serializers; `err` and `error` are left to them.)
        for (const [k, v] of Object.entries(obj)) if (v instanceof Error && k !== 'err' && k !== 'error') obj[k] = serializeError(v);
        return obj;
      },
    },
    serializers: {
      err: serializeError,
      error: serializeError,
      // Fastify logs `req` on "incoming request"; only log what's useful and never a key in the URL.
      req: (req: LoggableRequest) => ({
        method: req.method,
        url: req.url === undefined ? undefined : redactUrl(req.url),
        host: req.hostname,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
  };
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}
