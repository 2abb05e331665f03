import { describe, expect, it } from 'vitest';
import { Errors } from 'typesense';
import { AppError } from '@fountain/kit';
import { toAppError, typesenseMessage } from './map-error.ts';

/** An error built the way the official client builds it for an HTTP answer. */
const clientError = (status: number, said: string): Error =>
  new Errors.TypesenseError(`Request failed with HTTP code ${status} | Server said: ${said}`, '{"req":1}', status);

const mapped = (err: unknown): AppError => {
  const out = toAppError(err, "collection 'books'");
  expect(out).toBeInstanceOf(AppError);
  return out as AppError;
};

describe('toAppError', () => {
  it('maps statuses to codes with the server message', () => {
    expect(mapped(new Errors.ObjectNotFound('Request failed with HTTP code 404 | Server said: Not Found', '', 404)))
      .toMatchObject({ code: 'NOT_FOUND', message: "No collection 'books'" });
    expect(mapped(clientError(404, 'Could not find a field named `x` in the schema.')).message).toBe(
      'Could not find a field named `x` in the schema.',
    );
    expect(mapped(clientError(409, 'A document with id 1 already exists.'))).toMatchObject({
      code: 'CONFLICT',
      message: 'A document with id 1 already exists.',
    });
    expect(mapped(clientError(400, 'Bad JSON.'))).toMatchObject({ code: 'VALIDATION_ERROR', message: 'Bad JSON.' });
    expect(mapped(clientError(422, 'Unprocessable.')).code).toBe('VALIDATION_ERROR');
    expect(mapped(clientError(413, 'Too big.')).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('hides an auth failure as INTERNAL_SERVER_ERROR', () => {
    for (const status of [401, 403]) {
      const err = mapped(clientError(status, 'Forbidden - a valid `x-typesense-api-key` header must be sent.'));
      expect(err.code).toBe('INTERNAL_SERVER_ERROR');
      expect(err.retryable).toBe(false);
    }
  });

  it('maps 5xx, "Not Ready or Lagging" and network failures to a retryable 503', () => {
    const notReady = mapped(clientError(503, 'Not Ready or Lagging'));
    expect(notReady).toMatchObject({ code: 'SEARCH_BACKEND_UNAVAILABLE', retryable: true, status: 503 });
    expect(notReady.message).toMatch(/Not Ready or Lagging/);
    expect(mapped(clientError(500, 'boom')).code).toBe('SEARCH_BACKEND_UNAVAILABLE');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', isAxiosError: true });
    expect(mapped(refused)).toMatchObject({ code: 'SEARCH_BACKEND_UNAVAILABLE', retryable: true });
    const timeout = Object.assign(new Error('timeout of 3000ms exceeded'), { code: 'ECONNABORTED' });
    expect(mapped(timeout).code).toBe('SEARCH_BACKEND_UNAVAILABLE');
  });

  it('maps the client-side empty import to VALIDATION_ERROR and rethrows bugs', () => {
    expect(mapped(new Errors.RequestMalformed('No documents provided')).code).toBe('VALIDATION_ERROR');
    const bug = new TypeError('x is not a function');
    expect(toAppError(bug, 'x')).toBe(bug);
    const app = new AppError('CONFLICT', 'already');
    expect(toAppError(app, 'x')).toBe(app);
  });
});

describe('typesenseMessage', () => {
  it("extracts the server's words", () => {
    expect(typesenseMessage(clientError(400, 'Field `x` has an incorrect type.'))).toBe('Field `x` has an incorrect type.');
    expect(typesenseMessage(new Error('plain'))).toBe('plain');
  });
});
