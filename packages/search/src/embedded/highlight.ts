/**
 * Typesense-style highlights: the matched tokens of each queried field wrapped in `<mark>`. A prefix
 * match marks only the typed prefix (`<mark>Fant</mark>asy`), as Typesense 0.24 does. Fields of fewer
 * than 30 tokens are returned whole (`snippet_threshold`); longer ones as a window of 4 tokens around
 * the first match (`highlight_affix_num_tokens`). Fields named in `highlight_full_fields` also get
 * `value`, the whole field marked (typesense-instantsearch-adapter asks for it on every search).
 */
import type { Highlight } from '../backend.ts';
import type { TextMatch } from './rank.ts';
import { tokenSpans } from './text.ts';

const SNIPPET_THRESHOLD = 30;
const AFFIX_TOKENS = 4;

interface Marked {
  snippet: string;
  matched: string[];
}

function mark(text: string, terms: Map<string, number>, start: string, end: string, full = false): Marked | undefined {
  const spans = tokenSpans(text);
  const hits: number[] = [];
  const cut: number[] = [];
  spans.forEach((s, i) => {
    const len = terms.get(s.norm);
    if (len !== undefined) {
      hits.push(i);
      cut.push(len);
    }
  });
  if (hits.length === 0) return undefined;
  let from = 0;
  let to = spans.length - 1;
  if (!full && spans.length >= SNIPPET_THRESHOLD) {
    from = Math.max(0, (hits[0] ?? 0) - AFFIX_TOKENS);
    to = Math.min(spans.length - 1, (hits[0] ?? 0) + AFFIX_TOKENS);
  }
  const textFrom = from === 0 ? 0 : (spans[from]?.start ?? 0);
  const textTo = to === spans.length - 1 ? text.length : (spans[to]?.end ?? text.length);
  let out = '';
  let pos = textFrom;
  const matched: string[] = [];
  hits.forEach((i, k) => {
    if (i < from || i > to) return;
    const s = spans[i]!;
    const n = cut[k] ?? 0;
    // n === 0 means the whole token; otherwise the prefix length typed by the user.
    const markEnd = n === 0 ? s.end : Math.min(s.end, s.start + n);
    out += text.slice(pos, s.start) + start + text.slice(s.start, markEnd) + end;
    matched.push(text.slice(s.start, markEnd));
    pos = markEnd;
  });
  out += text.slice(pos, textTo);
  return { snippet: out, matched };
}

/** The `highlights` array and `highlight` object of one hit. */
export function buildHighlights(
  doc: Record<string, unknown>,
  queryBy: string[],
  match: TextMatch,
  startTag: string,
  endTag: string,
  fullFields: ReadonlySet<string> = new Set(),
): { highlights: Highlight[]; highlight: Record<string, unknown> } {
  const highlights: Highlight[] = [];
  const highlight: Record<string, unknown> = {};
  for (const field of queryBy) {
    // Normalized term -> how many characters to mark (0 = the whole token).
    const terms = new Map<string, number>();
    for (const m of match.tokens) {
      if (!m || !m.fields.includes(field)) continue;
      const n = m.prefix ? [...m.query].length : 0;
      const prev = terms.get(m.term);
      terms.set(m.term, prev === undefined ? n : Math.min(prev, n));
    }
    if (terms.size === 0) continue;
    const value = doc[field];
    if (typeof value === 'string') {
      const r = mark(value, terms, startTag, endTag);
      if (!r) continue;
      const whole = fullFields.has(field) ? { value: mark(value, terms, startTag, endTag, true)?.snippet ?? value } : {};
      highlights.push({ field, snippet: r.snippet, matched_tokens: r.matched, ...whole } as Highlight);
      highlight[field] = { snippet: r.snippet, matched_tokens: r.matched, ...whole };
    } else if (Array.isArray(value)) {
      const snippets: string[] = [];
      const tokens: string[][] = [];
      const indices: number[] = [];
      const all: Array<{ snippet: string; matched_tokens: string[] }> = [];
      value.forEach((v, i) => {
        const text = typeof v === 'string' ? v : String(v);
        const r = mark(text, terms, startTag, endTag);
        all.push({ snippet: r?.snippet ?? text, matched_tokens: r?.matched ?? [] });
        if (!r) return;
        snippets.push(r.snippet);
        tokens.push(r.matched);
        indices.push(i);
      });
      if (indices.length === 0) continue;
      highlights.push({ field, snippets, matched_tokens: tokens, indices } as Highlight);
      highlight[field] = all;
    }
  }
  return { highlights, highlight };
}
