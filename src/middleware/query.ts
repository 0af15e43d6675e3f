/**
 * `query()`: how `ctx.query` reads the query string. The core already parses it lazily (repeated
 * keys become arrays); this middleware swaps in a parser with limits, optional `a[b]=c` nesting,
 * and the guarantee that `__proto__`, `constructor` and `prototype` never become keys.
 *
 * Rules (qs's, where qs has one; tested in test/middleware/query.test.ts):
 * - Parsing stays lazy: the parser is installed on `ctx.request.queryParser` and runs on the first
 *   read of `ctx.query`, and again if the URL is rewritten. The URL itself is never changed.
 * - `parameterLimit` (1000): parameters after it are ignored, as qs does; nothing is refused, because
 *   the request line is already bounded by the parser's `maxRequestLineBytes`.
 * - `nested: true`: `a[b][c]=1` → `{ a: { b: { c: '1' } } }`; `a[]=1&a[]=2` and `a[0]=1` (indexes up to
 *   `arrayLimit`, 20) build arrays, in index order with holes removed. Past `depth` (5) levels the
 *   rest of the key stays one literal key (`a[b][c][d][e][f][g]` → `…f: { '[g]': … }`). A key used both
 *   as a value and as an object keeps its first form; the conflicting parameter is ignored.
 * - A parameter any segment of whose key is `__proto__`, `constructor` or `prototype` is dropped,
 *   and every object built is prototype-less, so nothing can reach `Object.prototype`.
 */
import type { Middleware } from '../http/app.js';
import { decodeQueryComponent, type ParsedQuery } from '../http/query.js';
import { MIDDLEWARE_DEFAULTS } from './defaults.js';

/** Options of {@link query}. */
export interface QueryOptions {
  /** Read `a[b]=c` as `{ a: { b: 'c' } }` (default false: brackets are part of the key). */
  nested?: boolean;
  /** Bracket levels read when `nested` (default 5). */
  depth?: number;
  /** Parameters read; later ones are ignored (default 1000). */
  parameterLimit?: number;
  /** Highest `a[n]` index that builds an array when `nested`; a higher one is an object key (default 20). */
  arrayLimit?: number;
}

/** A value of a nested query: a string, an array, or an object of them. */
export type QueryValue = string | QueryValue[] | { [key: string]: QueryValue };

/** Keys that would reach a prototype if they were ever assigned to an ordinary object. */
const FORBIDDEN = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parses the query string with `options` for every request it sees (lazily, on first read of
 * `ctx.query`).
 *
 * @example app.use(query({ nested: true })) // ?filter[tag]=a → ctx.query.filter = { tag: 'a' }
 */
export function query(options: QueryOptions = {}): Middleware {
  const parser = createQueryParser(options);
  return function query(ctx, next) {
    ctx.request.queryParser = parser;
    return next();
  };
}

/**
 * A query-string parser with the rules of {@link query} (also used for urlencoded bodies). The
 * result is typed {@link ParsedQuery} for the core; with `nested` its values may be objects, which
 * `validate({ query })` turns into a precise type.
 *
 * @example createQueryParser({ nested: true })('a[b]=1') // { a: { b: '1' } }
 */
export function createQueryParser(options: QueryOptions = {}): (qs: string) => ParsedQuery {
  const nested = options.nested ?? false;
  const depth = options.depth ?? MIDDLEWARE_DEFAULTS.depth;
  const limit = options.parameterLimit ?? MIDDLEWARE_DEFAULTS.parameterLimit;
  const arrayLimit = options.arrayLimit ?? MIDDLEWARE_DEFAULTS.arrayLimit;
  return (qs) => {
    const out = Object.create(null) as Record<string, QueryValue>;
    const sparse = new Set<QueryValue[]>();
    let count = 0;
    let start = qs.charCodeAt(0) === 0x3f ? 1 : 0;
    while (start < qs.length && count < limit) {
      let amp = qs.indexOf('&', start);
      if (amp === -1) amp = qs.length;
      if (amp > start) {
        count++;
        const eq = qs.indexOf('=', start);
        const hasEq = eq !== -1 && eq < amp;
        const key = decodeQueryComponent(qs.slice(start, hasEq ? eq : amp));
        const value = hasEq ? decodeQueryComponent(qs.slice(eq + 1, amp)) : '';
        if (nested && key.includes('[')) setNested(out, splitKey(key, depth), value, arrayLimit, sparse);
        else if (!FORBIDDEN.has(key)) add(out, key, value);
      }
      start = amp + 1;
    }
    // Arrays filled by index may have holes: compact them, keeping index order (qs's rule).
    for (const a of sparse) {
      const dense = a.filter(() => true);
      a.length = 0;
      a.push(...dense);
    }
    return out as ParsedQuery;
  };
}

/** Flat assignment: a repeated key becomes an array. */
function add(obj: Record<string, QueryValue>, key: string, value: string): void {
  const prev = obj[key];
  if (prev === undefined) obj[key] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else if (typeof prev === 'string') obj[key] = [prev, value];
  // An object already at this key keeps its form.
}

/** `a[b][c]` → `['a', 'b', 'c']`; past `depth` brackets the rest is one segment, as written. */
function splitKey(key: string, depth: number): string[] {
  const open = key.indexOf('[');
  const segs = [key.slice(0, open)];
  let pos = open;
  while (pos < key.length && segs.length <= depth) {
    if (key.charCodeAt(pos) !== 0x5b) break;
    const close = key.indexOf(']', pos);
    if (close === -1) break;
    segs.push(key.slice(pos + 1, close));
    pos = close + 1;
  }
  if (pos < key.length) segs.push(key.slice(pos));
  return segs;
}

function setNested(
  root: Record<string, QueryValue>,
  segs: string[],
  value: string,
  arrayLimit: number,
  sparse: Set<QueryValue[]>,
): void {
  for (const s of segs) if (FORBIDDEN.has(s)) return;
  if (segs[0] === '') segs[0] = segs.length > 1 ? segs.splice(1, 1)[0]! : '';
  let node: Record<string, QueryValue> | QueryValue[] = root;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const last = i === segs.length - 1;
    if (Array.isArray(node)) {
      const idx = arrayIndex(seg, arrayLimit);
      if (idx === -2) return; // a named key on an array: the first form wins
      if (last) {
        if (idx === -1) node.push(value);
        else if (node[idx] === undefined) {
          node[idx] = value;
          sparse.add(node);
        }
        return;
      }
      const at: number = idx === -1 ? node.length : idx;
      let child: QueryValue | undefined = node[at];
      if (child === undefined) {
        child = container(segs[i + 1]!, arrayLimit);
        node[at] = child;
        if (idx !== -1) sparse.add(node);
      }
      if (typeof child === 'string') return;
      node = child;
      continue;
    }
    if (last) {
      add(node, seg, value);
      return;
    }
    let child: QueryValue | undefined = node[seg];
    if (child === undefined) node[seg] = child = container(segs[i + 1]!, arrayLimit);
    if (typeof child === 'string') return;
    node = child;
  }
}

/** An array when the next segment indexes one (`[]` or a small integer), else a prototype-less object. */
function container(nextSeg: string, arrayLimit: number): QueryValue[] | Record<string, QueryValue> {
  return arrayIndex(nextSeg, arrayLimit) >= -1 ? [] : (Object.create(null) as Record<string, QueryValue>);
}

/** `''` → -1 (append), a decimal index up to `arrayLimit` → it, anything else → -2. */
function arrayIndex(seg: string, arrayLimit: number): number {
  if (seg === '') return -1;
  if (!/^(?:0|[1-9]\d{0,5})$/.test(seg)) return -2;
  const n = Number(seg);
  return n <= arrayLimit ? n : -2;
}
