/**
 * The route table: one compressed prefix (radix) tree per method, walked by char codes.
 *
 * Contract: `match` allocates nothing until it succeeds (then one params object and one result), makes
 * no closures, never splits the path, runs a regex (on a slice) only for restricted params, never recurses:
 * backtracking keeps explicit frames in arrays that are reused by every call. At each node the order is
 * static child > restricted params (in registration order) > plain param > wildcard > the lenient
 * trailing-slash alias, so `/a/:x/c` and `/a/b/d` both serve `/a/b/c`.
 */
import { NullObject } from '../engine/null-object.js';
import { expandOptional, parsePath, type PathToken } from './path.js';
import type { RadixTreeOptions, RouteMatch } from './types.js';

interface Route<T> {
  readonly value: T;
  readonly pattern: string;
  readonly names: readonly string[];
  /** Wildcard name set to `''` by the lenient `/files` alias of `/files/*path`, else `null`. */
  readonly emptyTail: string | null;
  /** An alias yields to any explicit route at the same place instead of conflicting with it. */
  readonly weak: boolean;
}

const STATIC = 0;
const PARAM = 1;
const WILDCARD = 2;
const SLASH = 47;

/** One shape for every node keeps the walk monomorphic; unused slots stay empty, not missing. */
class Node<T> {
  readonly kind: number;
  /** Static: folded text. Param: the regex source, or `''` when unrestricted. Wildcard: `''`. */
  label: string;
  readonly pattern: RegExp | null;
  statics: Node<T>[] = [];
  /** Static children indexed by `firstCharCode - tableBase`: one bounds check, no hashing. */
  table: (Node<T> | null)[] = [];
  tableBase = 0;
  /** A static child starts with something other than `/`, so a param may end inside its segment. */
  hasInline = false;
  params: Node<T>[] = [];
  wildcard: Node<T> | null = null;
  route: Route<T> | null = null;

  constructor(kind: number, label: string, pattern: RegExp | null) {
    this.kind = kind;
    this.label = label;
    this.pattern = pattern;
  }
}

function childAt<T>(node: Node<T>, code: number, fold: boolean): Node<T> | null {
  const i = (fold && code >= 65 && code <= 90 ? code | 32 : code) - node.tableBase;
  return i >= 0 && i < node.table.length ? node.table[i] : null;
}

function labelAt(label: string, path: string, at: number, fold: boolean): boolean {
  if (!fold) return path.startsWith(label, at);
  if (at + label.length > path.length) return false;
  for (let k = 0; k < label.length; k++) {
    const c = path.charCodeAt(at + k);
    if ((c >= 65 && c <= 90 ? c | 32 : c) !== label.charCodeAt(k)) return false;
  }
  return true;
}

/**
 * Next place a param starting at `start` may end after `prev`: an inline static child's first char,
 * else the segment end. Ends come shortest first (like find-my-way's `(.*?)`); -1 when none is left
 * or the value would exceed `max`, which also bounds how far an attacker's long segment is scanned.
 */
function nextEnd<T>(node: Node<T>, path: string, start: number, prev: number, max: number, fold: boolean): number {
  const len = path.length;
  if (prev > start && (prev >= len || path.charCodeAt(prev) === SLASH)) return -1;
  let k = prev + 1;
  for (; k < len; k++) {
    if (k - start > max) return -1;
    const c = path.charCodeAt(k);
    if (c === SLASH || (node.hasInline && childAt(node, c, fold) !== null)) return k;
  }
  return k - start > max ? -1 : len;
}

/** Add `child`, or let it take the slot of the child with its first char (a split). Registration only. */
function addStatic<T>(parent: Node<T>, child: Node<T>): void {
  const code = child.label.charCodeAt(0);
  const at = parent.statics.findIndex((n) => n.label.charCodeAt(0) === code);
  if (at === -1) parent.statics.push(child);
  else parent.statics[at] = child;
  if (code !== SLASH) parent.hasInline = true;
  const codes = parent.statics.map((n) => n.label.charCodeAt(0));
  const base = Math.min(...codes);
  const table: (Node<T> | null)[] = new Array<Node<T> | null>(Math.max(...codes) - base + 1).fill(null);
  for (const n of parent.statics) table[n.label.charCodeAt(0) - base] = n;
  parent.table = table;
  parent.tableBase = base;
}

/**
 * A radix tree route table with params, restricted params, optional params and wildcard tails.
 * The first `match` (or {@link RadixTree.freeze}) freezes it: the table is immutable while serving.
 *
 * @example
 * ```ts
 * const tree = new RadixTree<string>();
 * tree.add('GET', '/users/:id', 'showUser');
 * tree.match('GET', '/users/42');
 * // { value: 'showUser', params: { id: '42' }, path: '/users/:id', needsDecode: false }
 * tree.allowed('/users/42'); // ['GET']
 * ```
 */
export class RadixTree<T> {
  readonly #roots = new Map<string, Node<T>>();
  readonly #fold: boolean;
  readonly #lenient: boolean;
  readonly #maxParamLength: number;
  #frozen = false;
  // Walk state reused by every call. Frame i is the node #nodes[i] and four numbers #frames[4i..4i+3]:
  // the path index past the node's own text (a param's start), the param count before it, the next
  // alternative to try, and a param's current end.
  readonly #nodes: Node<T>[] = [];
  readonly #frames: number[] = [];
  /** Param k spans `path.slice(caps[2k], caps[2k + 1])`; sliced only once the match succeeds. */
  readonly #caps: number[] = [];

  /** @throws {RangeError} when `maxParamLength` is not a positive integer. */
  constructor(options: RadixTreeOptions = {}) {
    const max = options.maxParamLength ?? 100;
    if (!Number.isInteger(max) || max < 1)
      throw new RangeError(`maxParamLength must be a positive integer, not ${max}`);
    this.#fold = options.caseSensitive === false;
    this.#lenient = options.strict !== true;
    this.#maxParamLength = max;
  }

  /**
   * Register `value` for `method` and a route pattern (syntax in `./path.ts`).
   *
   * @throws {TypeError} on a malformed pattern or an empty method.
   * @throws {Error} `code: 'ERR_ROUTER_CONFLICT'` when a route of the same method and shape exists
   *   (both patterns are in the message); `code: 'ERR_ROUTER_FROZEN'` once the tree is frozen.
   * @example
   * ```ts
   * tree.add('GET', '/files/*path', serveFile);
   * ```
   */
  add(method: string, path: string, value: T): void {
    if (this.#frozen) {
      const message = `Cannot add ${method} ${path}: the router is frozen once it serves`;
      throw Object.assign(new Error(message), { code: 'ERR_ROUTER_FROZEN' });
    }
    if (method === '') throw new TypeError(`Cannot add ${path}: the method is empty`);
    const plan: { tokens: PathToken[]; route: Route<T> }[] = [];
    for (const variant of expandOptional(parsePath(path))) {
      const tokens = this.#normalize(variant);
      const names = tokens.flatMap((t) => (t.kind === 'static' ? [] : [t.name]));
      plan.push({ tokens, route: { value, pattern: path, names, emptyTail: null, weak: false } });
      const tail = tokens[tokens.length - 1];
      const before = tokens[tokens.length - 2];
      // `/files` stands for `/files/` with an empty tail, unless that leaves nothing (`/*`).
      const slashTail =
        before?.kind === 'static' && before.text.endsWith('/') && (tokens.length > 2 || before.text !== '/');
      if (this.#lenient && tail?.kind === 'wildcard' && slashTail) {
        const route = { value, pattern: path, names: names.slice(0, -1), emptyTail: tail.name, weak: true };
        plan.push({ tokens: this.#normalize(tokens.slice(0, -1)), route });
      }
    }
    const root = this.#roots.get(method) ?? new Node<T>(STATIC, '', null);
    // Check every variant before inserting any, so a conflict leaves the tree as it was.
    for (const { tokens, route } of plan) {
      const existing = this.#place(root, tokens, false)?.route;
      if (existing != null && !existing.weak && !route.weak) {
        const message = `Route ${method} "${path}" conflicts with ${method} "${existing.pattern}": no request tells them apart`;
        throw Object.assign(new Error(message), { code: 'ERR_ROUTER_CONFLICT' });
      }
    }
    for (const { tokens, route } of plan) {
      const node = this.#place(root, tokens, true)!;
      if (node.route === null || !route.weak) node.route = route;
      while (this.#caps.length < 2 * route.names.length) this.#caps.push(0);
    }
    this.#roots.set(method, root);
  }

  /**
   * Find the route for `method` and a URL path (no query string). Freezes the tree.
   *
   * @returns the match, or `null` (also for a path not starting with `/`, or a param over `maxParamLength`).
   * @example
   * ```ts
   * tree.match('GET', '/files/a/b.txt')?.params.path; // 'a/b.txt'
   * ```
   */
  match(method: string, path: string): RouteMatch<T> | null {
    this.#frozen = true;
    const root = this.#roots.get(method);
    if (root === undefined || path.charCodeAt(0) !== SLASH) return null;
    return this.#walk(root, path);
  }

  /**
   * Every method with a route matching `path`, sorted: the `Allow` header of a 405. Freezes the tree.
   *
   * @example
   * ```ts
   * tree.allowed('/users/42'); // ['DELETE', 'GET']
   * ```
   */
  allowed(path: string): string[] {
    this.#frozen = true;
    const methods: string[] = [];
    if (path.charCodeAt(0) !== SLASH) return methods;
    for (const [method, root] of this.#roots) if (this.#walk(root, path) !== null) methods.push(method);
    return methods.sort();
  }

  /**
   * Make later `add` calls throw `ERR_ROUTER_FROZEN`; the app calls this when it starts listening.
   *
   * @example
   * ```ts
   * tree.freeze();
   * ```
   */
  freeze(): void {
    this.#frozen = true;
  }

  /** Fold case and drop a trailing slash as the options say, so equal shapes reach the same node. */
  #normalize(tokens: readonly PathToken[]): PathToken[] {
    const fold = (text: string): string => text.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const out = tokens.map((t) => (t.kind === 'static' && this.#fold ? { kind: t.kind, text: fold(t.text) } : t));
    const last = out[out.length - 1];
    const isRoot = out.length === 1 && last?.kind === 'static' && last.text === '/';
    if (this.#lenient && last?.kind === 'static' && last.text.endsWith('/') && !isRoot) {
      out[out.length - 1] = { kind: 'static', text: last.text.slice(0, -1) };
      if (last.text === '/') out.pop();
    }
    return out;
  }

  /** The node `tokens` end at, creating (and splitting) nodes when `create`, else `null` if absent. */
  #place(root: Node<T>, tokens: readonly PathToken[], create: boolean): Node<T> | null {
    let node = root;
    for (const token of tokens) {
      let next: Node<T> | null;
      if (token.kind === 'static') next = this.#placeStatic(node, token.text, create);
      else if (token.kind === 'wildcard') {
        if (node.wildcard === null && create) node.wildcard = new Node<T>(WILDCARD, '', null);
        next = node.wildcard;
      } else {
        const label = token.source ?? '';
        next = node.params.find((p) => p.label === label) ?? null;
        if (next === null && create) {
          next = new Node<T>(PARAM, label, token.pattern);
          // Restricted params go before the plain one, which is the catch-all of its segment.
          const plainAt = node.params.findIndex((p) => p.pattern === null);
          if (token.pattern === null || plainAt === -1) node.params.push(next);
          else node.params.splice(plainAt, 0, next);
        }
      }
      if (next === null) return null;
      node = next;
    }
    return node;
  }

  #placeStatic(parent: Node<T>, text: string, create: boolean): Node<T> | null {
    let node = parent;
    let rest = text;
    for (;;) {
      let child = childAt(node, rest.charCodeAt(0), false);
      if (child === null) {
        if (!create) return null;
        child = new Node<T>(STATIC, rest, null);
        addStatic(node, child);
        return child;
      }
      const label = child.label;
      let k = 1;
      while (k < label.length && k < rest.length && label.charCodeAt(k) === rest.charCodeAt(k)) k++;
      if (k < label.length) {
        if (!create) return null;
        // `mid` takes the child's slot (found by first char) before the child's label is cut.
        const mid = new Node<T>(STATIC, label.slice(0, k), null);
        addStatic(node, mid);
        child.label = label.slice(k);
        addStatic(mid, child);
        child = mid;
      }
      if (k === rest.length) return child;
      node = child;
      rest = rest.slice(k);
    }
  }

  #walk(root: Node<T>, path: string): RouteMatch<T> | null {
    const len = path.length;
    const fold = this.#fold;
    const nodes = this.#nodes;
    const frames = this.#frames;
    const caps = this.#caps;
    let sp = this.#push(0, root, 0, 0, 0);
    while (sp > 0) {
      const top = sp - 1;
      const node = nodes[top];
      const at = frames[4 * top];
      const pc = frames[4 * top + 1];
      let stage = frames[4 * top + 2];
      if (node.kind === PARAM) {
        let end = frames[4 * top + 3];
        // Stage 1: the static child for `end` failed; try this param's own route via a trailing slash.
        if (stage === 1) {
          frames[4 * top + 2] = 0;
          if (this.#lenient && node.route !== null && end === len - 1 && path.charCodeAt(end) === SLASH) {
            caps[2 * pc] = at;
            caps[2 * pc + 1] = end;
            return this.#found(node.route, path, pc + 1);
          }
        }
        end = nextEnd(node, path, at, end, this.#maxParamLength, fold);
        if (end === -1) {
          sp--;
          continue;
        }
        frames[4 * top + 3] = end;
        if (node.pattern !== null && !node.pattern.test(path.slice(at, end))) continue;
        caps[2 * pc] = at;
        caps[2 * pc + 1] = end;
        if (end === len) {
          if (node.route !== null) return this.#found(node.route, path, pc + 1);
          continue;
        }
        frames[4 * top + 2] = 1;
        const child = childAt(node, path.charCodeAt(end), fold);
        if (child !== null && labelAt(child.label, path, end, fold)) {
          sp = this.#push(sp, child, end + child.label.length, pc + 1, 0);
        }
        continue;
      }
      if (stage === 0) {
        frames[4 * top + 2] = stage = 1;
        if (at === len) {
          if (node.route !== null) return this.#found(node.route, path, pc);
        } else {
          const child = childAt(node, path.charCodeAt(at), fold);
          if (child !== null && labelAt(child.label, path, at, fold)) {
            sp = this.#push(sp, child, at + child.label.length, pc, 0);
            continue;
          }
        }
      }
      // A param is never empty and never holds '/', so skip them all when the next char rules them out.
      if (stage <= node.params.length && at < len && path.charCodeAt(at) !== SLASH) {
        frames[4 * top + 2] = stage + 1;
        sp = this.#push(sp, node.params[stage - 1], at, pc, at);
        continue;
      }
      sp--;
      if (node.wildcard !== null && node.wildcard.route !== null) {
        caps[2 * pc] = at;
        caps[2 * pc + 1] = len;
        return this.#found(node.wildcard.route, path, pc + 1);
      }
      // The check of the char before keeps `//` and `/a//` from aliasing `/` and `/a`.
      const trailing = at === len - 1 && path.charCodeAt(at) === SLASH && path.charCodeAt(at - 1) !== SLASH;
      if (this.#lenient && node.route !== null && trailing) {
        return this.#found(node.route, path, pc);
      }
    }
    return null;
  }

  /** Enter `node` at `idx` with `pc` params before it (a param's first end is tried after `end`). */
  #push(sp: number, node: Node<T>, idx: number, pc: number, end: number): number {
    this.#nodes[sp] = node;
    this.#frames[4 * sp] = idx;
    this.#frames[4 * sp + 1] = pc;
    this.#frames[4 * sp + 2] = 0;
    this.#frames[4 * sp + 3] = end;
    return sp + 1;
  }

  #found(route: Route<T>, path: string, count: number): RouteMatch<T> {
    const params = new NullObject() as Record<string, string>;
    const caps = this.#caps;
    // One scan of the whole path answers the common case (no '%' at all) without per-value scans.
    const encoded = count > 0 && path.indexOf('%') !== -1;
    let needsDecode = false;
    for (let k = 0; k < count; k++) {
      const value = path.slice(caps[2 * k], caps[2 * k + 1]);
      params[route.names[k]] = value;
      if (encoded && value.indexOf('%') !== -1) needsDecode = true;
    }
    if (route.emptyTail !== null) params[route.emptyTail] = '';
    return { value: route.value, params, path: route.pattern, needsDecode };
  }
}
