/**
 * Bounds on the shape of JSON the services accept: nesting depth, key count and value size. One place
 * for the numbers (docs/gateway.md, "Document limits"), and two checks that never recurse, so input
 * nested a million levels deep can't overflow the stack of the check itself:
 * - {@link scanJsonText} reads JSON text once, left to right, before anything parses it (request
 *   bodies, JSONL import lines);
 * - {@link checkJsonValue} walks an already parsed value with an explicit stack (a body's `document`,
 *   `newVersionData`).
 *
 * Why: a JSONL line nested 100,000 deep segfaults Typesense 0.24.1, for good (it replays the write
 * from its log on restart); 10,000 deep overflows the stack of `JSON.stringify` and of recursive
 * walks in Node.js (a RangeError, a 500).
 */
import { AppError } from './errors.ts';

/** The bounds on one JSON value. */
export interface JsonLimits {
  /** Objects and arrays nested inside each other, the outermost counting 1. */
  maxDepth: number;
  /** Object keys in the whole value, at every level. */
  maxKeys: number;
  /** Characters of one string (key or value) or number, as written in the JSON text. */
  maxValueLength: number;
}

/**
 * The bounds of one search document (single writes, `/documents/sync`, each import line) and of
 * the sequence service's `newVersionData`. Far above any real document, far below what breaks an
 * engine: Typesense 0.24.1 crashes on 100,000 levels, Node.js recursion on about 10,000.
 */
export const DOCUMENT_LIMITS: Readonly<JsonLimits> = Object.freeze({
  maxDepth: 32,
  maxKeys: 10_000,
  maxValueLength: 4 * 1024 * 1024,
});

/**
 * The bounds of any JSON request body: a document's depth plus one level for the object around it
 * (`{"document": ...}`, `{"newVersionData": ...}`). Key count and value size are bounded by the body
 * size limit alone; the document inside is checked against {@link DOCUMENT_LIMITS} by its route.
 */
export const BODY_LIMITS: Readonly<JsonLimits> = Object.freeze({
  maxDepth: DOCUMENT_LIMITS.maxDepth + 1,
  maxKeys: Number.MAX_SAFE_INTEGER,
  maxValueLength: Number.MAX_SAFE_INTEGER,
});

/** Which bound a value broke, with a message that names it. */
export interface JsonLimitViolation {
  limit: keyof JsonLimits;
  max: number;
  message: string;
  /** The top-level key under which the bound broke, when there is one (`newVersionData`, `document`). */
  key?: string;
}

const violation = (limits: JsonLimits, limit: keyof JsonLimits, what: string, key?: string): JsonLimitViolation => {
  const max = limits[limit];
  const where = key === undefined ? '' : ` (at \`${key}\`)`;
  const text: Record<keyof JsonLimits, string> = {
    maxDepth: `${what} is nested more than ${max} levels deep${where}; objects and arrays may nest at most ${max} levels`,
    maxKeys: `${what} has more than ${max} keys${where}`,
    maxValueLength: `${what} has a string or number longer than ${max} characters${where}`,
  };
  return { limit, max, message: text[limit], ...(key === undefined ? {} : { key }) };
};

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Scans JSON text for the first bound it breaks, without parsing it and without recursion. Malformed
 * JSON is not this function's concern (the parser that runs next reports it); the scan only never
 * lets a value past that is too deep, has too many keys or too long a value.
 *
 * @example
 *   const v = scanJsonText(line, DOCUMENT_LIMITS, 'the document');
 *   if (v) return { success: false, error: v.message };
 */
export function scanJsonText(text: string, limits: JsonLimits, what = 'the JSON value'): JsonLimitViolation | undefined {
  const n = text.length;
  let depth = 0;
  let keys = 0;
  // The latest key of the outermost object, to say where a bound broke.
  let topKey: string | undefined;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Find the closing quote: one not preceded by an odd number of backslashes.
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let bs = 0;
        for (let k = end - 1; k > i && text.charCodeAt(k) === BACKSLASH; k--) bs++;
        if (bs % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      const stop = end === -1 ? n : end;
      if (stop - i - 1 > limits.maxValueLength) return violation(limits, 'maxValueLength', what, topKey);
      if (depth === 1 && stop - i - 1 <= 200) {
        let k = stop + 1;
        while (k < n && isSpace(text.charCodeAt(k))) k++;
        if (text.charCodeAt(k) === COLON) topKey = keyOf(text.slice(i, stop + 1));
      }
      i = stop + 1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limits.maxDepth) return violation(limits, 'maxDepth', what, topKey);
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    } else if (c === COLON) {
      // Outside strings, every object key is followed by exactly one colon.
      if (++keys > limits.maxKeys) return violation(limits, 'maxKeys', what, topKey);
    } else if (!isSpace(c) && c !== COMMA) {
      // A number or literal: runs until a structural character or a space.
      let end = i + 1;
      while (end < n) {
        const d = text.charCodeAt(end);
        if (d === COMMA || d === CLOSE_BRACE || d === CLOSE_BRACKET || d === COLON || d === QUOTE || d === OPEN_BRACE || d === OPEN_BRACKET || isSpace(d)) break;
        end++;
      }
      if (end - i > limits.maxValueLength) return violation(limits, 'maxValueLength', what, topKey);
      i = end;
      continue;
    }
    i++;
  }
  return undefined;
}

/** A key's text from its JSON string literal (quotes included); undefined when it is malformed. */
function keyOf(literal: string): string | undefined {
  try {
    const key: unknown = JSON.parse(literal);
    return typeof key === 'string' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a parsed JSON value against the bounds, walking it with an explicit stack (no recursion).
 * Number lengths are those of their shortest JSON form.
 *
 * @example
 *   const v = checkJsonValue(body.newVersionData, DOCUMENT_LIMITS, '`newVersionData`');
 */
export function checkJsonValue(value: unknown, limits: JsonLimits, what = 'the JSON value'): JsonLimitViolation | undefined {
  let keys = 0;
  // Each entry: a value, its depth, and the top-level key it sits under (to say where a bound broke).
  const stack: Array<[unknown, number, string | undefined]> = [[value, 1, undefined]];
  while (stack.length > 0) {
    const [v, depth, key] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.length > limits.maxValueLength) return violation(limits, 'maxValueLength', what, key);
    } else if (typeof v === 'number') {
      if (String(v).length > limits.maxValueLength) return violation(limits, 'maxValueLength', what, key);
    } else if (v !== null && typeof v === 'object') {
      if (depth > limits.maxDepth) return violation(limits, 'maxDepth', what, key);
      if (Array.isArray(v)) {
        for (const item of v) stack.push([item, depth + 1, key]);
      } else {
        for (const [k, item] of Object.entries(v)) {
          if (++keys > limits.maxKeys) return violation(limits, 'maxKeys', what, key ?? k);
          if (k.length > limits.maxValueLength) return violation(limits, 'maxValueLength', what, key ?? k);
          stack.push([item, depth + 1, depth === 1 ? k : key]);
        }
      }
    }
  }
  return undefined;
}

/**
 * Throws a 400 VALIDATION_ERROR naming `field` when a parsed value breaks the bounds.
 *
 * @example
 *   assertJsonWithinLimits(req.body.document, DOCUMENT_LIMITS, 'document');
 */
export function assertJsonWithinLimits(value: unknown, limits: JsonLimits, field: string): void {
  const v = checkJsonValue(value, limits, `\`${field}\``);
  if (v) throw new AppError('VALIDATION_ERROR', `${v.message}.`, { details: { field, limit: v.limit, max: v.max } });
}
