/**
 * The document bounds (`DOCUMENT_LIMITS` in @fountain/kit: nesting depth, key count, value size),
 * applied by both backends before an engine sees a document: single writes are refused with a 400,
 * import lines over a bound become their own failed result line, as Typesense reports a bad line.
 */
import { AppError, DOCUMENT_LIMITS, checkJsonValue, scanJsonText } from '@fountain/kit';
import type { Document } from './backend.ts';

/**
 * Throws VALIDATION_ERROR (400) naming `document` when a document breaks a bound.
 *
 * @example
 *   assertDocumentWithinLimits(doc); // before the engine sees it
 */
export function assertDocumentWithinLimits(doc: Document): void {
  const v = checkJsonValue(doc, DOCUMENT_LIMITS, 'The document');
  if (v) throw new AppError('VALIDATION_ERROR', `${v.message}.`, { details: { field: 'document', limit: v.limit, max: v.max } });
}

/**
 * The error of one JSONL import line over a bound, or undefined when it is within them. Scans the
 * text without parsing it, so a line nested 100,000 deep costs one linear pass and nothing else.
 */
export function importLineLimitError(line: string): string | undefined {
  const v = scanJsonText(line, DOCUMENT_LIMITS, 'The document');
  return v ? `${v.message}.` : undefined;
}

/** A failed import result line, in Typesense 0.24.1's shape and key order (the raw line echoed). */
export function failedImportLine(line: string, error: string): string {
  return JSON.stringify({ code: 400, document: line, error, success: false });
}

/**
 * Sends only the lines within the bounds to `forward`, and answers one result line per input line,
 * in order: the engine's result for a line it saw, a failed line for one over a bound. Lines are
 * split as Typesense 0.24.1 splits them (on `\n`; empty lines are skipped and get no result; a
 * whitespace-only line is a line).
 *
 * @example
 *   return importWithinLimits(jsonl, (within) => client.import(within));
 */
export async function importWithinLimits(jsonl: string, forward: (jsonl: string) => Promise<string>): Promise<string> {
  const lines = jsonl.split('\n');
  const errors = new Map<number, string>();
  lines.forEach((line, i) => {
    if (line === '') return;
    const error = importLineLimitError(line);
    if (error) errors.set(i, error);
  });
  if (errors.size === 0) return forward(jsonl);
  const within = lines.filter((line, i) => line !== '' && !errors.has(i));
  const answered = within.length === 0 ? [] : (await forward(within.join('\n'))).split('\n');
  if (answered.length !== within.length) {
    throw new AppError('TYPESENSE_SYNC_ERROR', `The engine answered ${answered.length} import results for ${within.length} documents.`, {
      retryable: true,
    });
  }
  const out: string[] = [];
  let next = 0;
  lines.forEach((line, i) => {
    if (line === '') return;
    const error = errors.get(i);
    out.push(error === undefined ? answered[next++]! : failedImportLine(line, error));
  });
  return out.join('\n');
}
