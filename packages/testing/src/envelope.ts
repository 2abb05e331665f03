import { expect } from 'vitest';
import { ERROR_CODES, statusOf, type ErrorCode } from '@fountain/kit';

/** An answer, from `app.inject` or from real HTTP: what the envelope check reads. */
export interface EnvelopeAnswer {
  statusCode: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
  json<T>(): T;
}

/**
 * Asserts a response is exactly the error envelope `{errorCode, message, details}` with the status of
 * its code (DESIGN.md, "Errors"); answers the parsed body. For route tests of every service.
 */
export function expectEnvelope(res: EnvelopeAnswer, code: ErrorCode): { errorCode: ErrorCode; message: string; details: unknown } {
  expect(res.statusCode, `${res.statusCode} ${res.body}`).toBe(statusOf(code));
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json<{ errorCode: ErrorCode; message: string; details: unknown }>();
  expect(Object.keys(body).sort()).toEqual(['details', 'errorCode', 'message']);
  expect(ERROR_CODES).toContain(body.errorCode);
  expect(body.errorCode).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  return body;
}

/** A 400 envelope whose message or details name `field`; answers the body. */
export function expectValidation(res: EnvelopeAnswer, field: string): { errorCode: ErrorCode; message: string; details: unknown } {
  const body = expectEnvelope(res, 'VALIDATION_ERROR');
  expect(`${body.message} ${JSON.stringify(body.details)}`).toContain(field);
  return body;
}
