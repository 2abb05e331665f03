import type { And, Clause, FilterNode, Or, Range, Scalar } from './ast.ts';
import { validationError } from './errors.ts';

/** The longest `filter_by` accepted, in characters. */
export const MAX_FILTER_LENGTH = 4096;

/** The deepest parenthesis nesting accepted in a `filter_by`. */
export const MAX_FILTER_DEPTH = 32;

/**
 * Field names we accept in a filter: letters, digits, `_`, and `.`/`-` after the first character
 * (nested fields are `a.b`). A whitelist, so a rendered filter can never carry syntax in a field name.
 */
export const FIELD_NAME_RE = /^[\p{L}\p{N}_][\p{L}\p{N}_.-]*$/u;

/** A plain decimal number, as Typesense's filter values allow (no exponent, no hex). */
const NUMBER_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** True when `s` is a plain decimal number literal (`-3`, `2.5`, `.5`). */
export function isNumberLiteral(s: string): boolean {
  return NUMBER_RE.test(s);
}

type Op = Clause['op'];

/**
 * Parses a Typesense 0.24 `filter_by` into a tree. Values stay strings, except the numbers of
 * comparisons (`f:>3`) and ranges (`f:[1..5]`); validation types them against the schema.
 *
 * Like Typesense 0.24.1 (verified against the real server), `&&` and `||` have the SAME precedence and
 * associate to the left: `a || b && c` means `(a || b) && c`. The renderer parenthesizes every compound
 * child, so the safe form means the same thing under any precedence rule.
 *
 * Positions in error messages are 0-based character offsets.
 *
 * @example
 *   parseFilter('genre:=[`sci-fi`, drama] && year:>=1990')
 */
export function parseFilter(input: string): FilterNode {
  if (input.length > MAX_FILTER_LENGTH) {
    throw validationError(`filter_by: longer than ${MAX_FILTER_LENGTH} characters`, { length: input.length });
  }
  if (input.trim() === '') throw validationError('filter_by: empty filter');
  return new Parser(input).parseAll();
}

class Parser {
  private pos = 0;
  private depth = 0;

  constructor(private readonly src: string) {}

  parseAll(): FilterNode {
    const node = this.parseExpr();
    this.skipWs();
    if (this.pos < this.src.length) {
      if (this.src[this.pos] === ')') throw this.fail('unbalanced parenthesis (unexpected \')\')');
      throw this.fail(`unexpected '${this.src[this.pos]}'; expected '&&', '||' or end of filter`);
    }
    return node;
  }

  private fail(message: string, at = this.pos): Error {
    return validationError(`filter_by: ${message} at position ${at}`, { position: at });
  }

  private skipWs(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
  }

  private startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  /** term (('&&' | '||') term)*, same precedence, left-associative, flattened. */
  private parseExpr(): FilterNode {
    let acc = this.parseTerm();
    for (;;) {
      this.skipWs();
      let kind: 'and' | 'or';
      if (this.startsWith('&&')) kind = 'and';
      else if (this.startsWith('||')) kind = 'or';
      else return acc;
      const opPos = this.pos;
      this.pos += 2;
      this.skipWs();
      if (this.pos >= this.src.length || this.src[this.pos] === ')') {
        throw this.fail(`missing operand after '${kind === 'and' ? '&&' : '||'}'`, opPos);
      }
      const right = this.parseTerm();
      acc = combine(kind, acc, right);
    }
  }

  private parseTerm(): FilterNode {
    this.skipWs();
    if (this.pos >= this.src.length) throw this.fail('expected a clause or \'(\'');
    const c = this.src[this.pos]!;
    if (c === '(') {
      const open = this.pos;
      if (++this.depth > MAX_FILTER_DEPTH) {
        throw this.fail(`nesting deeper than ${MAX_FILTER_DEPTH} parentheses`);
      }
      this.pos++;
      this.skipWs();
      if (this.src[this.pos] === ')') throw this.fail('empty parentheses');
      const node = this.parseExpr();
      this.skipWs();
      if (this.src[this.pos] !== ')') {
        throw validationError(`filter_by: unbalanced parenthesis ('(' at position ${open} is never closed)`, {
          position: open,
        });
      }
      this.pos++;
      this.depth--;
      return node;
    }
    if (c === ')') throw this.fail('unbalanced parenthesis (unexpected \')\')');
    if (this.startsWith('&&') || this.startsWith('||')) {
      throw this.fail(`missing operand before '${this.src.slice(this.pos, this.pos + 2)}'`);
    }
    return this.parseClause();
  }

  private parseClause(): Clause {
    const start = this.pos;
    while (this.pos < this.src.length && !/[\s:()&|`[\]=!<>,]/.test(this.src[this.pos]!)) this.pos++;
    const field = this.src.slice(start, this.pos);
    if (field === '') throw this.fail(`expected a field name, found '${this.src[this.pos]}'`);
    if (!FIELD_NAME_RE.test(field)) throw this.fail(`invalid field name '${field}'`, start);
    this.skipWs();
    if (this.src[this.pos] !== ':') throw this.fail(`expected ':' after field '${field}'`);
    this.pos++;
    this.skipWs();

    const op = this.parseOp();
    this.skipWs();
    if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') {
      const numStart = this.pos;
      const raw = this.readUnquoted(field, false);
      if (raw === '') throw this.fail(`empty value for field '${field}'`, numStart);
      if (!isNumberLiteral(raw)) {
        throw this.fail(`expected a number after the comparison for field '${field}', found '${raw}'`, numStart);
      }
      return { kind: 'clause', field, op, values: [Number(raw)] };
    }

    const c = this.src[this.pos];
    let values: Array<Scalar | Range>;
    if (c === '[') values = this.parseList(field);
    else if (c === '`') {
      values = [this.readQuoted(field)];
      this.expectValueEnd(field);
    } else {
      const valStart = this.pos;
      const raw = this.readUnquoted(field, false);
      if (raw === '') throw this.fail(`empty value for field '${field}'`, valStart);
      if (/^[=!<>]/.test(raw)) {
        throw this.fail(`unsupported operator in '${field}:${this.src.slice(start + field.length + 1, this.pos).trim()}'`, valStart);
      }
      values = [raw];
    }
    return { kind: 'clause', field, op, values };
  }

  private parseOp(): Op {
    const ops: Array<[string, Op]> = [
      ['!=', 'not'],
      ['>=', 'gte'],
      ['<=', 'lte'],
      ['=', 'exact'],
      ['>', 'gt'],
      ['<', 'lt'],
    ];
    for (const [tok, op] of ops) {
      if (this.startsWith(tok)) {
        this.pos += tok.length;
        return op;
      }
    }
    return 'match';
  }

  /** After a quoted value: only a separator may follow; a stray backtick is reported as such. */
  private expectValueEnd(field: string): void {
    this.skipWs();
    if (this.pos >= this.src.length || this.src[this.pos] === ')') return;
    if (this.startsWith('&&') || this.startsWith('||')) return;
    const rest = /^[^&|)\],]*/.exec(this.src.slice(this.pos))![0];
    if (rest.includes('`')) {
      throw this.fail(`backtick inside a value is not allowed (after the quoted value of field '${field}')`);
    }
    throw this.fail(`unexpected '${this.src[this.pos]}' after the quoted value of field '${field}'`);
  }

  /** A backtick-quoted value: anything but a backtick, taken verbatim. */
  private readQuoted(field: string): string {
    const open = this.pos;
    const close = this.src.indexOf('`', open + 1);
    if (close < 0) throw this.fail(`unterminated backtick in the value of field '${field}'`, open);
    const value = this.src.slice(open + 1, close);
    if (value.trim() === '') throw this.fail(`empty value for field '${field}'`, open);
    this.pos = close + 1;
    return value;
  }

  /**
   * An unquoted value, trimmed. It runs until `&&`, `||`, `)` or the end (inside a list: also `,` and
   * `]`). Like Typesense it may contain spaces and, outside a list, commas. A backtick or `(` inside it
   * is an error: quote the value instead.
   */
  private readUnquoted(field: string, inList: boolean): string {
    const start = this.pos;
    while (this.pos < this.src.length) {
      const ch = this.src[this.pos]!;
      if (ch === ')' || this.startsWith('&&') || this.startsWith('||')) break;
      if (inList && (ch === ',' || ch === ']')) break;
      if (ch === '`') {
        throw this.fail(
          `backtick inside a value is not allowed ('${this.src.slice(start, this.pos + 1).trim()}...')`,
        );
      }
      if (ch === '(') {
        throw this.fail(`'(' inside the value of field '${field}'; quote the value with backticks`);
      }
      this.pos++;
    }
    return this.src.slice(start, this.pos).trim();
  }

  /** `[item, item, ...]`: items are backtick-quoted strings, numeric ranges `a..b`, or unquoted values. */
  private parseList(field: string): Array<Scalar | Range> {
    const open = this.pos;
    this.pos++;
    const values: Array<Scalar | Range> = [];
    for (;;) {
      this.skipWs();
      if (this.src[this.pos] === '`') {
        values.push(this.readQuoted(field));
        this.skipWs();
        if (this.src[this.pos] !== ',' && this.src[this.pos] !== ']') this.expectValueEnd(field);
      } else {
        const itemStart = this.pos;
        const raw = this.readUnquoted(field, true);
        if (raw === '') {
          if (this.src[this.pos] === ']' && values.length === 0) throw this.fail(`empty list for field '${field}'`, open);
          throw this.fail(`empty value in the list of field '${field}'`, itemStart);
        }
        values.push(parseListItem(raw) ?? raw);
      }
      const ch = this.src[this.pos];
      if (ch === ',') {
        this.pos++;
        continue;
      }
      if (ch === ']') {
        this.pos++;
        return values;
      }
      if (ch === undefined) {
        throw validationError(`filter_by: unterminated list for field '${field}' ('[' at position ${open})`, {
          position: open,
        });
      }
      throw this.fail(`expected ',' or ']' in the list of field '${field}', found '${ch}'`);
    }
  }
}

/** A numeric range `a..b` (spaces allowed around `..`), or undefined when the item is no range. */
function parseListItem(raw: string): Range | undefined {
  const m = /^(\S+?)\s*\.\.\s*(\S+)$/.exec(raw);
  if (!m || !isNumberLiteral(m[1]!) || !isNumberLiteral(m[2]!)) return undefined;
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min > max) {
    throw validationError(`filter_by: empty range '${raw}' (the minimum is greater than the maximum)`);
  }
  return { min, max };
}

/** Joins two nodes with `&&`/`||`, flattening children of the same kind (`a && (b && c)` is `a && b && c`). */
function combine(kind: 'and' | 'or', left: FilterNode, right: FilterNode): And | Or {
  const children: FilterNode[] = [];
  for (const n of [left, right]) {
    if (n.kind === kind) children.push(...n.children);
    else children.push(n);
  }
  return { kind, children };
}
