/**
 * The one error handler: every failure (thrown in a handler, a hook, the body parser or validation,
 * or an unknown route) leaves as the envelope `{errorCode, message, details}`. 5xx internals are
 * logged with their cause and never shown to the caller.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { STATUS_CODES } from 'node:http';
import { AppError, codeForStatus, statusOf, type ErrorCode, type ErrorEnvelope } from './errors.ts';

/** One schema validation problem, as listed in a VALIDATION_ERROR's `details`. */
export interface ValidationIssue {
  /** Where the problem is, e.g. `body/elementId` or `querystring/per_page`. */
  path: string;
  /** What is wrong, e.g. `must be >= 1`. */
  message: string;
}

/** Options for {@link errorHandlerPlugin}. */
export interface ErrorHandlerOptions {
  /** The methods a concrete path is routed for: a request with another one is a 405, not a 404. */
  allowedMethods?: (path: string) => string[];
}

/** The generic message of an unexpected failure; the details are only in the logs. */
export const INTERNAL_MESSAGE = 'Internal server error';

interface AjvIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Turns Fastify/ajv validation errors into issues naming each field, e.g. `body/elementId`. */
export function validationIssues(context: string | undefined, validation: readonly AjvIssue[]): ValidationIssue[] {
  return validation.map((v) => {
    let path = `${context ?? 'request'}${v.instancePath}`;
    let message = v.message ?? 'is invalid';
    if (v.keyword === 'required' && typeof v.params.missingProperty === 'string') {
      path += `/${v.params.missingProperty}`;
      message = 'is required';
    } else if (v.keyword === 'additionalProperties' && typeof v.params.additionalProperty === 'string') {
      path += `/${v.params.additionalProperty}`;
      message = 'is not allowed';
    }
    return { path, message };
  });
}

/** Maps any error to the status and envelope the caller sees; `internal` marks failures to log loudly. */
export function toEnvelope(error: unknown): { status: number; envelope: ErrorEnvelope; internal: boolean } {
  if (error instanceof AppError) {
    return { status: error.status, envelope: error.toEnvelope(), internal: error.status >= 500 };
  }
  const err = (error ?? {}) as Partial<FastifyError> & { validation?: AjvIssue[] };
  if (Array.isArray(err.validation)) {
    const details = validationIssues(err.validationContext, err.validation);
    const message = details.map((d) => `${d.path} ${d.message}`).join('; ') || 'Invalid request';
    return envelopeOf('VALIDATION_ERROR', message, details);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return envelopeOf('PAYLOAD_TOO_LARGE', 'Request body is too large', null);
    case 'FST_ERR_BAD_URL':
      // Fastify's message quotes the whole URL, query string (and any key in it) included.
      return envelopeOf('VALIDATION_ERROR', 'The URL path is not valid percent-encoded UTF-8', { field: 'path' });
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    return envelopeOf(codeForStatus(status), typeof err.message === 'string' && err.message ? err.message : 'Bad request', null);
  }
  return { status: 500, envelope: { errorCode: 'INTERNAL_SERVER_ERROR', message: INTERNAL_MESSAGE, details: null }, internal: true };
}

function envelopeOf(code: ErrorEnvelope['errorCode'], message: string, details: unknown) {
  return { status: statusOf(code), envelope: { errorCode: code, message, details }, internal: false };
}

/**
 * Writes an envelope as a pre-serialized string, so a route's response schema never reshapes or
 * rejects it.
 */
export function sendEnvelope(reply: FastifyReply, status: number, envelope: ErrorEnvelope): FastifyReply {
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(envelope));
}

/** Handles one error: logs it (5xx with cause at error level) and writes the envelope. */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, envelope, internal } = toEnvelope(error);
  if (internal) request.log.error({ err: error }, 'request failed');
  else request.log.info({ errorCode: envelope.errorCode, message: envelope.message }, 'request rejected');
  if (reply.sent) return reply;
  if (error instanceof AppError && error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return sendEnvelope(reply, status, envelope);
}

/**
 * A whole HTTP/1.1 response carrying the envelope, for answers written straight to a socket (Node's
 * clientError: headers too large, a malformed request), where there is no request or reply object.
 */
export function envelopeResponse(code: ErrorCode, message: string): string {
  const status = statusOf(code);
  const body = JSON.stringify({ errorCode: code, message, details: null });
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * Fastify plugin (not encapsulated) installing the error handler and the 404 handler (a 405 with
 * `Allow` when the path exists for other methods).
 *
 * @example
 *   await app.register(errorHandlerPlugin, { allowedMethods: (path) => methods.allowed(path) });
 */
export const errorHandlerPlugin = fp(
  async function errorHandler(app: FastifyInstance, opts: ErrorHandlerOptions) {
    app.setErrorHandler((error, request, reply) => handleError(error, request, reply));
    app.setNotFoundHandler((request, reply) => {
      const path = request.url.split('?')[0] ?? '';
      const allowed = opts.allowedMethods?.(path) ?? [];
      if (allowed.length > 0 && !allowed.includes(request.method)) {
        return sendEnvelope(reply.header('allow', allowed.join(', ')), 405, {
          errorCode: 'METHOD_NOT_ALLOWED',
          message: `Method ${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
          details: { allowed },
        });
      }
      return sendEnvelope(reply, 404, { errorCode: 'NOT_FOUND', message: `Route ${request.method} ${path} not found`, details: null });
    });
  },
  { name: '@fountain/kit/error-handler', fastify: '5.x' },
);
