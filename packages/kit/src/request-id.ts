/**
 * Request ids: accepted from the caller when well-formed (so one id follows a change across
 * services), generated otherwise, echoed in the response and logged as `reqId`.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';

/** The header carrying the request id, in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Whether a caller-supplied request id is safe to adopt (1..128 chars of `[A-Za-z0-9._:-]`). */
export function isValidRequestId(id: unknown): id is string {
  return typeof id === 'string' && VALID_REQUEST_ID.test(id);
}

/** Fastify `genReqId`: the caller's `x-request-id` when valid, else a fresh UUID. */
export function genRequestId(req: IncomingMessage): string {
  const header = req.headers[REQUEST_ID_HEADER];
  return isValidRequestId(header) ? header : randomUUID();
}

/**
 * Headers that propagate the current request id to an outgoing call.
 *
 * @example
 *   await fetch(url, { headers: { ...requestIdHeaders(request), 'content-type': 'application/json' } });
 */
export function requestIdHeaders(request: Pick<FastifyRequest, 'id'>): { 'x-request-id': string } {
  return { [REQUEST_ID_HEADER]: request.id };
}
