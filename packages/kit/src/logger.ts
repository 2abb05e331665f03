/**
 * The JSON logger every service uses: pino, with secrets redacted by path and API keys stripped from
 * logged URLs (Typesense clients may pass the key as a query parameter).
 */
import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino redacts in every log line. */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-typesense-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-typesense-api-key"]',
  'headers.cookie',
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
  const options = {
    name: opts.name,
    level: opts.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    serializers: {
      err: pino.stdSerializers.errWithCause,
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
