/**
 * The body parser of every service: lenient about transport, strict about meaning.
 * - Real clients label the same JSON body in many ways (the Python `typesense` client sends no
 *   Content-Type, curl `-d` sends form-urlencoded, the Go client's import application/octet-stream),
 *   and Typesense reads all of them as JSON. So does every FountainAI service: a body is read as JSON
 *   whatever its Content-Type, or handed over as text to a route that asks for text
 *   (`config: { bodyAs: 'text' }`, e.g. a JSONL import). An empty body is no body.
 * - A body that is not JSON is a 400 naming why. Fastify's own parser refuses `__proto__` and
 *   `constructor.prototype` keys too, but answers "not valid JSON", which names no field; and it lets
 *   lone UTF-16 surrogates (`"\ud800"`) through, which no UTF-8 store (SQLite, Typesense) can hold:
 *   they were written as invalid UTF-8. This parser refuses both with a 400 naming the field.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from './errors.ts';
import { BODY_LIMITS, scanJsonText } from './json-limits.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `'text'`: the route receives its body as a string (e.g. JSONL), whatever the Content-Type. */
    bodyAs?: 'json' | 'text';
  }
}

/** A lone surrogate: in a `u` regex, a paired surrogate is one astral code point and never matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Whether a string is well-formed UTF-16 (no lone surrogate), so it can be stored as UTF-8. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/** The key names that can reach an object's prototype when a parsed body is merged into another. */
function forbiddenKey(key: string, value: unknown): boolean {
  if (key === '__proto__') return true;
  return key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype');
}

function pathOf(parts: readonly (string | number)[]): string {
  return ['body', ...parts].join('/');
}

/** Finds the first forbidden key or lone surrogate in a parsed value; answers the error to throw. */
function firstProblem(value: unknown, parts: (string | number)[]): AppError | null {
  if (typeof value === 'string') {
    if (isWellFormed(value)) return null;
    const path = pathOf(parts);
    return new AppError('VALIDATION_ERROR', `${path} is not valid Unicode (it holds a lone UTF-16 surrogate)`, {
      details: [{ path, message: 'is not valid Unicode (lone surrogate)' }],
    });
  }
  if (typeof value !== 'object' || value === null) return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      parts.push(i);
      const p = firstProblem(value[i], parts);
      parts.pop();
      if (p) return p;
    }
    return null;
  }
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    parts.push(key);
    try {
      if (forbiddenKey(key, child) || !isWellFormed(key)) {
        const path = pathOf(parts);
        const why = isWellFormed(key) ? 'is a forbidden key (it could change an object prototype)' : 'is a key that is not valid Unicode';
        return new AppError('VALIDATION_ERROR', `${path} ${why}`, { details: [{ path, message: why }] });
      }
      const p = firstProblem(child, parts);
      if (p) return p;
    } finally {
      parts.pop();
    }
  }
  return null;
}

/** Raw-text hints that a parsed body needs the walk: a `\u` escape, or a key that may be forbidden. */
const NEEDS_WALK = /\\u|__proto__|constructor/;

/**
 * Parses a JSON request body, throwing a VALIDATION_ERROR AppError naming the field for a forbidden
 * key (`__proto__`, `constructor.prototype`) or a string holding a lone surrogate, naming the
 * parser's complaint for text that is not JSON, and naming the bound for a body nested deeper than
 * BODY_LIMITS allows (checked on the text, before parsing). Bodies without a `\u` escape or a
 * suspicious key are parsed once, with no walk: well-formed UTF-8 text can't decode to a lone
 * surrogate.
 *
 * @example
 *   parseJsonText('{"a":"\\ud800"}'); // throws: body/a is not valid Unicode
 */
export function parseJsonText(text: string): unknown {
  // Depth, before anything parses or walks the body (json-limits.ts): deep nesting overflows the stack
  // of JSON.stringify and of recursive walks (firstProblem here), a RangeError 500.
  const v = scanJsonText(text, BODY_LIMITS, 'The request body');
  if (v) {
    // Under a top-level key the bound is the document's (one level less than the body's).
    const under = v.key !== undefined && v.limit === 'maxDepth';
    const message = under
      ? `\`${v.key}\` is nested more than ${v.max - 1} levels deep; objects and arrays may nest at most ${v.max - 1} levels.`
      : `${v.message}.`;
    throw new AppError('VALIDATION_ERROR', message, { details: { field: v.key ?? 'body', limit: v.limit, max: under ? v.max - 1 : v.max } });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new AppError('VALIDATION_ERROR', `Request body is not valid JSON: ${(err as Error).message}`, { details: [{ path: 'body', message: 'is not valid JSON' }] });
  }
  if (NEEDS_WALK.test(text)) {
    const problem = firstProblem(value, []);
    if (problem) throw problem;
  }
  return value;
}

/**
 * Replaces Fastify's per-content-type parsers with one catch-all: JSON (through
 * {@link parseJsonText}; an empty body is no body, so a route that needs one answers 400 from its
 * schema) for every route, text for the routes whose config says `bodyAs: 'text'`. The route's or the
 * app's body limit applies to both.
 *
 * @example
 *   registerBodyParser(app, 10 * 1024 * 1024);
 *   app.post('/import', { config: { bodyAs: 'text' } }, async (req) => (req.body as string).split('\n').length);
 */
export function registerBodyParser(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (request: FastifyRequest, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (request.routeOptions.config.bodyAs === 'text') {
      done(null, text);
      return;
    }
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, parseJsonText(text));
    } catch (err) {
      done(err as Error);
    }
  });
}
