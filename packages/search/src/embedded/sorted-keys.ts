/**
 * Typesense keeps a document as an nlohmann::json object, a std::map: every document it answers
 * (write, get, search hit, export) has its keys sorted by their UTF-8 bytes, nested objects included.
 * The embedded engine answers the same, so clients that compare exports byte for byte agree.
 */
/** Orders two strings as their UTF-8 bytes compare (code point order), as std::string keys do. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (astral code points) below U+E000..U+FFFF; UTF-8 puts them above.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/** A copy of a JSON value with every object's keys in Typesense's order (arrays keep theirs). */
export function sortedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortedKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  // fromEntries defines own properties, so even a `__proto__` key stays a plain key.
  const obj = value as Record<string, unknown>;
  return Object.fromEntries(Object.keys(obj).sort(compareUtf8).map((k) => [k, sortedKeys(obj[k])])) as T;
}
