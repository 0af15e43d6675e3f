/**
 * The query string parser behind `ctx.query`: repeated keys become arrays, and the result has no
 * prototype, so `__proto__` or `constructor` keys are plain data and can never reach
 * `Object.prototype`. The `query()` middleware adds nesting and limits on top.
 */

/** A parsed query: each key maps to a string, or an array of strings for repeated keys. */
export type ParsedQuery = Record<string, string | string[]>;

/**
 * Parses `a=1&b=x%20y&a=2` into `{ a: ['1', '2'], b: 'x y' }`. `+` means space (form encoding);
 * a malformed escape keeps its raw text rather than throwing.
 *
 * @example parseQuery('q=shallot&page=2') // { q: 'shallot', page: '2' }
 */
export function parseQuery(qs: string, maxParams = 1000): ParsedQuery {
  const out = Object.create(null) as ParsedQuery;
  if (qs === '') return out;
  let count = 0;
  let start = 0;
  while (start <= qs.length && count < maxParams) {
    let amp = qs.indexOf('&', start);
    if (amp === -1) amp = qs.length;
    if (amp > start) {
      const eq = qs.indexOf('=', start);
      const hasEq = eq !== -1 && eq < amp;
      const key = decodeQueryComponent(qs.slice(start, hasEq ? eq : amp));
      const value = hasEq ? decodeQueryComponent(qs.slice(eq + 1, amp)) : '';
      const prev = out[key];
      if (prev === undefined) out[key] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else out[key] = [prev, value];
      count++;
    }
    start = amp + 1;
  }
  return out;
}

/**
 * Decodes one query key or value: `+` is a space (form encoding), a malformed escape keeps its raw
 * text rather than throwing.
 *
 * @example decodeQueryComponent('a+b%21') // 'a b!'
 */
export function decodeQueryComponent(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus;
  }
}
