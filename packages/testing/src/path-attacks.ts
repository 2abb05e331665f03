import type { ErrorCode } from '@fountain/kit';

/** One attack value for a path segment, and what it must answer. */
export interface SegmentAttack {
  name: string;
  /** The segment as sent on the wire (already percent-encoded where needed). */
  raw: string;
  /** The code it must answer (a refusal), or `legal`: a legal name somewhere, so any answer but a 5xx. */
  expect: ErrorCode | 'legal';
}

/**
 * Path-segment attacks (issue 8, item 1: `DELETE .../documents/..` deleted a collection). Each is sent
 * over real HTTP in every parameter segment of every id-taking route, and must be refused.
 */
export const SEGMENT_ATTACKS: readonly SegmentAttack[] = [
  { name: '.', raw: '.', expect: 'VALIDATION_ERROR' },
  { name: '..', raw: '..', expect: 'VALIDATION_ERROR' },
  { name: '%2E%2E', raw: '%2E%2E', expect: 'VALIDATION_ERROR' },
  { name: '%2e%2E', raw: '%2e%2E', expect: 'VALIDATION_ERROR' },
  { name: '%2E', raw: '%2E', expect: 'VALIDATION_ERROR' },
  { name: '%2F', raw: '%2F', expect: 'VALIDATION_ERROR' },
  { name: '..%2F..', raw: '..%2F..', expect: 'VALIDATION_ERROR' },
  // U+D800 in UTF-8 form (CESU-8): the only way a lone surrogate can be written in a URL.
  { name: 'lone surrogate', raw: '%ED%A0%80', expect: 'VALIDATION_ERROR' },
];

/** Parameter values no id or name can have (a NUL, a newline, broken percent-encoding), sent in-process. */
export const BAD_PARAM_VALUES: readonly string[] = ['%00x', 'a%0Ab', '%E0%A4%A'];

/** The indexes of a route pattern's parameter segments (`:name` or `{name}`). */
export function paramSegments(route: string): number[] {
  return route
    .split('/')
    .map((part, i) => (/^(:\w+|\{\w+\})$/.test(part) ? i : -1))
    .filter((i) => i >= 0);
}

/** `url` (a concrete sample url of the route) with the path segment at `index` replaced by `raw`. */
export function withSegment(url: string, index: number, raw: string): string {
  const q = url.indexOf('?');
  const parts = (q === -1 ? url : url.slice(0, q)).split('/');
  parts[index] = raw;
  return parts.join('/') + (q === -1 ? '' : url.slice(q));
}

/** Whether a concrete path (no query string) matches a route pattern. */
export function matchesPattern(route: string, path: string): boolean {
  const re = route
    .split('/')
    .map((part) => (/^(:\w+|\{\w+\})$/.test(part) ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${re}/?$`).test(path);
}
