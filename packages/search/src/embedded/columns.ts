/**
 * Columnar copies of scalar field values, indexed by the document's seq, so filters, sorts and facet
 * counts read typed arrays instead of `doc[field]`:
 * - numeric fields (int32, int64, float): a Float64Array, NaN when the document has no number;
 * - bool fields: an Int8Array, 1 true, 0 false, -1 none;
 * - facet or sortable string fields: interned value ids in an Int32Array (-1 none) and the values.
 * A column is only used while every live document's value has the column's shape (the value's type,
 * null or missing). After a schema change that reused a field name for another type, old documents
 * can hold other values; the column then reports itself `irregular` and callers fall back to the
 * documents, so results never depend on the column.
 */
import type { Document } from '../backend.ts';
import type { NormalizedField } from './schema.ts';
import { isNumericType } from './schema.ts';

export type ColumnKind = 'num' | 'bool' | 'str';

/** One field's values by seq. */
export class Column {
  num = new Float64Array(0);
  bool = new Int8Array(0);
  ids = new Int32Array(0);
  /** Interned string values (str columns); ids index this list. */
  readonly dict: string[] = [];
  private readonly idOf = new Map<string, number>();
  /** Per seq: 1 when the live document's value does not fit the column. */
  private odd = new Uint8Array(0);
  private oddCount = 0;
  /** Changes whenever an array is reallocated (closures holding arrays must be rebuilt). */
  layout = 0;
  private sortedRank: Float64Array | undefined;

  constructor(
    readonly name: string,
    readonly kind: ColumnKind,
  ) {}

  /** True when some live value does not fit the column (then it must not be used). */
  get irregular(): boolean {
    return this.oddCount > 0;
  }

  private grow(seq: number): void {
    let cap = Math.max(1024, this.odd.length);
    while (cap <= seq) cap *= 2;
    const odd = new Uint8Array(cap);
    odd.set(this.odd);
    this.odd = odd;
    if (this.kind === 'num') {
      const a = new Float64Array(cap).fill(NaN);
      a.set(this.num);
      this.num = a;
    } else if (this.kind === 'bool') {
      const a = new Int8Array(cap).fill(-1);
      a.set(this.bool);
      this.bool = a;
    } else {
      const a = new Int32Array(cap).fill(-1);
      a.set(this.ids);
      this.ids = a;
    }
    this.layout++;
  }

  /** Records the value of the document stored under seq. */
  set(seq: number, doc: Document): void {
    if (seq >= this.odd.length) this.grow(seq);
    this.clear(seq);
    const v = doc[this.name];
    if (v === undefined || v === null) return;
    if (this.kind === 'num' && typeof v === 'number') this.num[seq] = v;
    else if (this.kind === 'bool' && typeof v === 'boolean') this.bool[seq] = v ? 1 : 0;
    else if (this.kind === 'str' && typeof v === 'string') {
      let id = this.idOf.get(v);
      if (id === undefined) {
        id = this.dict.length;
        this.dict.push(v);
        this.idOf.set(v, id);
        this.sortedRank = undefined;
      }
      this.ids[seq] = id;
    } else {
      this.odd[seq] = 1;
      this.oddCount++;
    }
  }

  /** Forgets the value under seq (document removed). */
  clear(seq: number): void {
    if (seq >= this.odd.length) return;
    if (this.odd[seq]) {
      this.odd[seq] = 0;
      this.oddCount--;
    }
    if (this.kind === 'num') this.num[seq] = NaN;
    else if (this.kind === 'bool') this.bool[seq] = -1;
    else this.ids[seq] = -1;
  }

  /** For str columns: per value id, its rank in JavaScript string order (for sorting). */
  rank(): Float64Array {
    if (!this.sortedRank) {
      const order = this.dict.map((_, i) => i).sort((a, b) => {
        const x = this.dict[a]!;
        const y = this.dict[b]!;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      const r = new Float64Array(this.dict.length);
      order.forEach((id, i) => (r[id] = i));
      this.sortedRank = r;
    }
    return this.sortedRank;
  }
}

/** The column kind of a field, or undefined when it gets none (arrays, plain text strings). */
export function columnKind(f: NormalizedField): ColumnKind | undefined {
  if (isNumericType(f.type)) return 'num';
  if (f.type === 'bool') return 'bool';
  if (f.type === 'string' && (f.facet || f.sort)) return 'str';
  return undefined;
}
