/**
 * Typesense's JSONL import contract: one result line per non-empty input line, in order, as
 * `{"success":true}` or `{"code":…,"document":"<raw line>","error":"…","success":false}` (keys in
 * Typesense's alphabetical order). Lines that are not JSON objects fail with "Bad JSON…", lines over
 * the document bounds (document-limits.ts) with the bound they break; neither stops the others.
 */
import type { Document, ImportOptions } from '../backend.ts';
import { importLineLimitError } from '../document-limits.ts';

/** The outcome of one parsed line, from the writer. */
export type LineResult = { ok: true; id: string; doc: Document } | { ok: false; code: number; error: string };

/** Default lines per SQLite transaction (Typesense's `batch_size` is 40; bigger batches import faster). */
export const DEFAULT_BATCH_SIZE = 1000;

/**
 * Parses the lines, hands the JSON objects to `write` batch by batch, and renders the result lines.
 * `write` answers one result per document it was given.
 */
export function importJsonl(jsonl: string, options: ImportOptions, write: (docs: unknown[]) => LineResult[]): string {
  const lines = jsonl.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l)).filter((l) => l.trim() !== '');
  const requested = Math.floor(Number(options.batch_size));
  const batchSize = requested >= 1 ? requested : DEFAULT_BATCH_SIZE;
  const out: string[] = [];
  for (let start = 0; start < lines.length; start += batchSize) {
    const batch = lines.slice(start, start + batchSize);
    const parsed: Array<{ line: string; doc?: unknown; error?: string }> = batch.map((line) => {
      const overLimit = importLineLimitError(line);
      if (overLimit) return { line, error: overLimit };
      try {
        const doc: unknown = JSON.parse(line);
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
          return { line, error: 'Bad JSON: not a properly formed document.' };
        }
        return { line, doc };
      } catch (err) {
        return { line, error: `Bad JSON: ${err instanceof Error ? err.message : String(err)}` };
      }
    });
    const docs = parsed.filter((p) => p.error === undefined).map((p) => p.doc);
    const results = write(docs);
    let i = 0;
    for (const p of parsed) {
      if (p.error !== undefined) {
        out.push(JSON.stringify({ code: 400, document: p.line, error: p.error, success: false }));
        continue;
      }
      const r = results[i++]!;
      if (r.ok) {
        const line: Record<string, unknown> = { success: true };
        if (options.return_id) line.id = r.id;
        if (options.return_doc) line.document = r.doc;
        out.push(JSON.stringify(line));
      } else {
        out.push(JSON.stringify({ code: r.code, document: p.line, error: r.error, success: false }));
      }
    }
  }
  return out.join('\n');
}
