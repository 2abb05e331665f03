import type { Document } from '@fountain/search';

/** What a conformance case compares of a search answer: counts, hit ids and facet counts. */
export interface SearchObservation {
  found: number;
  /** Hit ids in the engine's order, or sorted when the case says order is engine-specific. */
  ids: string[];
  facets?: Record<string, FacetObservation>;
}

/** Facet counts as a set (sorted by value), plus the numeric stats when the engine gives them. */
export interface FacetObservation {
  counts: Array<{ value: string; count: number }>;
  stats?: Record<string, number>;
}

interface AnySearchResult {
  found: number;
  hits?: Array<{ document: object }>;
  facet_counts?: Array<{ field_name: string; counts: Array<{ value: string; count: number }>; stats?: Record<string, number> }>;
}

/**
 * Reduces a search answer to what must agree across engines. `ordered: false` sorts the ids, for text
 * queries whose ranking ties are engine-specific.
 */
export function observeSearch(r: AnySearchResult, opts: { ordered?: boolean; facets?: boolean } = {}): SearchObservation {
  const ids = (r.hits ?? []).map((h) => String((h.document as Document).id));
  const out: SearchObservation = { found: r.found, ids: opts.ordered === false ? [...ids].sort() : ids };
  if (opts.facets) {
    out.facets = {};
    for (const f of r.facet_counts ?? []) {
      const counts = f.counts.map((c) => ({ value: String(c.value), count: c.count })).sort((a, b) => a.value.localeCompare(b.value));
      out.facets[f.field_name] = { counts, ...(f.stats && Object.keys(f.stats).length > 0 ? { stats: roundStats(f.stats) } : {}) };
    }
  }
  return out;
}

/** Stats rounded to 6 significant digits: sums of floats may differ in the last bit between engines. */
function roundStats(stats: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats).sort(([a], [b]) => a.localeCompare(b))) out[k] = Number(v.toPrecision(6));
  return out;
}

/** A JSONL body parsed into objects (blank lines skipped). */
export function parseJsonl(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Documents sorted by id, for comparing exports whose order is engine-specific. */
export function byId(docs: Array<Record<string, unknown>>): Array<Record<string, unknown>> {
  return [...docs].sort((a, b) => String(a.id).localeCompare(String(b.id)));
}

/**
 * One import result line reduced to what engines agree on: success, the HTTP-like code of a failure
 * when the engine gives one, and the id when asked for. Messages are engine-specific.
 */
export function observeImportLine(line: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { success: line.success };
  if (line.success !== true) out.error = typeof line.error === 'string' && line.error.length > 0;
  if (typeof line.code === 'number') out.code = line.code;
  if (line.id !== undefined) out.id = line.id;
  return out;
}

/** The HTTP status of an error the official client threw (its errors carry `httpStatus`). */
export async function statusOf(p: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    const status = (err as { httpStatus?: number }).httpStatus;
    if (typeof status !== 'number') throw err;
    return status;
  }
}

/** A field of a collection's schema as any target answers it. */
export interface FieldLike {
  name: string;
  type?: string;
  facet?: boolean;
  optional?: boolean;
  index?: boolean;
  sort?: boolean;
  drop?: boolean;
}

/**
 * What must agree about a field across targets; `sort` only where every target reports it (the
 * client drivers' answers leave it out).
 */
export function observeField(f: FieldLike, opts: { sort: boolean } = { sort: true }): Record<string, unknown> {
  if (f.drop) return { name: f.name, drop: true };
  const obs: Record<string, unknown> = { name: f.name, type: f.type, facet: f.facet === true, optional: f.optional === true, index: f.index !== false };
  if (opts.sort) obs.sort = f.sort;
  return obs;
}
