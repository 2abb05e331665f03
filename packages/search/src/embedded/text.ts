/**
 * Tokenization shared by indexing, querying, filtering and highlighting, so all four agree.
 *
 * Typesense splits on whitespace and punctuation, lowercases, and folds diacritics for its default
 * locale ("cafe" finds "Café"). We do the same with Unicode classes: separators, punctuation and
 * symbols (emoji included) split tokens; NFKD plus removal of combining marks folds diacritics. CJK
 * text has no spaces, so a run of CJK characters is one token (Typesense needs `locale` for better).
 */

const SEPARATOR = /[\p{Z}\p{P}\p{S}\p{C}\s]+/u;
const SEPARATOR_GLOBAL = /[\p{Z}\p{P}\p{S}\p{C}\s]+/gu;
const MARKS = /\p{M}+/gu;

/** Lowercases and folds diacritics of one token. */
export function normalizeToken(token: string): string {
  // Fast path: plain ASCII needs only lowercasing.
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(token)) return token.toLowerCase();
  return token.normalize('NFKD').replace(MARKS, '').toLowerCase();
}

/** Splits text into normalized tokens. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(SEPARATOR)) {
    if (raw === '') continue;
    const t = normalizeToken(raw);
    if (t !== '') out.push(t);
  }
  return out;
}

/** A token with its position in the original text, for highlighting. */
export interface TokenSpan {
  start: number;
  end: number;
  raw: string;
  norm: string;
}

/** Splits text into tokens that keep their original spelling and offsets. */
export function tokenSpans(text: string): TokenSpan[] {
  const spans: TokenSpan[] = [];
  let last = 0;
  const push = (start: number, end: number): void => {
    if (end <= start) return;
    const raw = text.slice(start, end);
    const norm = normalizeToken(raw);
    if (norm !== '') spans.push({ start, end, raw, norm });
  };
  for (const m of text.matchAll(SEPARATOR_GLOBAL)) {
    push(last, m.index);
    last = m.index + m[0].length;
  }
  push(last, text.length);
  return spans;
}

/** Levenshtein distance, giving up (returning max + 1) once it exceeds `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length] ?? max + 1;
}
