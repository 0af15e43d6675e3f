/**
 * Route pattern syntax: turns `/users/:id/files/*path` into the token list the radix tree inserts.
 *
 * Contract: every rule about what a pattern may say lives in this file; the tree trusts its tokens.
 * Parsing happens once per route at registration, so this module favours clear errors over speed.
 *
 * Grammar (all patterns start with `/`):
 * - static text; `::` is a literal `:` (for `/v1/{name}::cancel` style custom methods);
 * - a param `:name` or `{name}`, where a name is `[A-Za-z0-9_]+`; it matches one or more bytes up to
 *   the next `/`, or up to the static text that follows it inside the same segment (`{name}.json`);
 * - a restricted param `:id(\d+)` or `{id(\d+)}`: the regex source must match the whole value;
 * - an optional param `:lang?` or `{lang}?`: a whole segment, followed only by optional segments;
 * - a wildcard tail `*path` (or bare `*`, named `'*'`): last, matches the rest including `/`, maybe empty.
 */

/**
 * One piece of a parsed pattern: literal text (merged, so two static tokens never touch); a param,
 * whose `pattern` is the anchored compiled form of `source` or `null` when unrestricted; or a
 * wildcard tail, named `'*'` when written as a bare `*`.
 *
 * @example
 * ```ts
 * const id: PathToken = { kind: 'param', name: 'id', source: '\\d+', pattern: /^(?:\d+)$/, optional: false };
 * ```
 */
export type PathToken =
  | { readonly kind: 'static'; readonly text: string }
  | {
      readonly kind: 'param';
      readonly name: string;
      readonly source: string | null;
      readonly pattern: RegExp | null;
      readonly optional: boolean;
    }
  | { readonly kind: 'wildcard'; readonly name: string };

/**
 * A route pattern and its tokens, as returned by {@link parsePath}.
 *
 * @example
 * ```ts
 * const parsed: ParsedPath = { pattern: '/a', tokens: [{ kind: 'static', text: '/a' }] };
 * ```
 */
export interface ParsedPath {
  readonly pattern: string;
  readonly tokens: readonly PathToken[];
}

const COLON = 58;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const STAR = 42;
const QUESTION = 63;
const OPEN_PAREN = 40;
const SLASH = 47;

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

function fail(pattern: string, reason: string, cause?: unknown): never {
  const message = `Invalid route pattern "${pattern}": ${reason}`;
  throw cause === undefined ? new TypeError(message) : new TypeError(message, { cause });
}

/** Index just past the `)` that closes the group opening at `start`, or -1 when it never closes. */
function groupEnd(p: string, start: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = start; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Parse a route pattern into tokens, validating every rule of the grammar above.
 *
 * @throws {TypeError} when the pattern is malformed; the message quotes the pattern and the reason.
 * @example
 * ```ts
 * parsePath('/users/:id(\\d+)/files/*path').tokens.map((t) => t.kind);
 * // ['static', 'param', 'static', 'wildcard']
 * ```
 */
export function parsePath(pattern: string): ParsedPath {
  if (pattern.charCodeAt(0) !== SLASH) fail(pattern, "it must start with '/'");
  const tokens: PathToken[] = [];
  const names = new Set<string>();
  let text = '';
  let i = 0;

  const addName = (name: string): string => {
    if (name === '') fail(pattern, `empty param name at offset ${i}`);
    if (names.has(name)) fail(pattern, `duplicate param name "${name}"`);
    names.add(name);
    return name;
  };
  const flushText = (): void => {
    if (text !== '') tokens.push({ kind: 'static', text });
    text = '';
  };

  while (i < pattern.length) {
    const c = pattern.charCodeAt(i);
    if (c === COLON && pattern.charCodeAt(i + 1) === COLON) {
      text += ':';
      i += 2;
    } else if (c === COLON || c === OPEN_BRACE) {
      if (text === '' && tokens.length > 0) fail(pattern, 'a param must be separated from the previous param');
      if (c === OPEN_BRACE && pattern.indexOf('}', i) === -1) fail(pattern, `unclosed '{' at offset ${i}`);
      flushText();
      let j = i + 1;
      while (j < pattern.length && isNameChar(pattern.charCodeAt(j))) j++;
      const name = addName(pattern.slice(i + 1, j));
      let source: string | null = null;
      let compiled: RegExp | null = null;
      if (pattern.charCodeAt(j) === OPEN_PAREN) {
        const end = groupEnd(pattern, j);
        if (end === -1) fail(pattern, `unclosed '(' in param "${name}"`);
        source = pattern.slice(j + 1, end - 1);
        if (source === '') fail(pattern, `empty regex in param "${name}"`);
        try {
          compiled = new RegExp(`^(?:${source})$`);
        } catch (err) {
          fail(pattern, `invalid regex /${source}/ in param "${name}"`, err);
        }
        j = end;
      }
      if (c === OPEN_BRACE) {
        if (pattern.charCodeAt(j) !== CLOSE_BRACE) {
          fail(pattern, j >= pattern.length ? "unclosed '{'" : `unexpected "${pattern[j]}" in param "${name}"`);
        }
        j++;
      }
      const optional = pattern.charCodeAt(j) === QUESTION;
      if (optional) j++;
      tokens.push({ kind: 'param', name, source, pattern: compiled, optional });
      i = j;
    } else if (c === STAR) {
      if (text === '' && tokens.length > 0) fail(pattern, 'a wildcard must be separated from the previous param');
      flushText();
      let j = i + 1;
      while (j < pattern.length && isNameChar(pattern.charCodeAt(j))) j++;
      if (j < pattern.length) fail(pattern, 'a wildcard must be the last part of the pattern');
      tokens.push({ kind: 'wildcard', name: j === i + 1 ? addName('*') : addName(pattern.slice(i + 1, j)) });
      i = j;
    } else if (c === CLOSE_BRACE || c === QUESTION) {
      fail(pattern, `unexpected "${pattern[i]}" at offset ${i}`);
    } else {
      text += pattern[i];
      i++;
    }
  }
  flushText();
  checkOptionals(pattern, tokens);
  return { pattern, tokens };
}

/** Optional params must be whole trailing segments, so dropping them leaves a well-formed route. */
function checkOptionals(pattern: string, tokens: readonly PathToken[]): void {
  const first = tokens.findIndex((t) => t.kind === 'param' && t.optional);
  if (first === -1) return;
  for (let k = first; k < tokens.length; k++) {
    const t = tokens[k];
    const before = tokens[k - 1];
    const isOptional = t.kind === 'param' && t.optional;
    if ((k - first) % 2 === 0) {
      if (!isOptional) fail(pattern, 'only optional params may follow an optional param');
      if (before?.kind !== 'static' || !before.text.endsWith('/')) {
        fail(pattern, 'an optional param must be a whole path segment');
      }
    } else if (t.kind !== 'static' || !t.text.startsWith('/')) {
      fail(pattern, 'an optional param must be a whole path segment');
    } else if (t.text !== '/') {
      fail(pattern, 'only optional params may follow an optional param');
    }
  }
  if (tokens[tokens.length - 1]?.kind === 'static')
    fail(pattern, 'an optional param cannot be followed by a trailing slash');
}

/**
 * Spell out the concrete routes an optional-param pattern stands for, shortest first. A pattern
 * without optional params yields itself. Each omitted param also drops the `/` in front of it.
 *
 * @example
 * ```ts
 * expandOptional(parsePath('/docs/:lang?')).map((ts) => ts.map((t) => t.kind));
 * // [['static'], ['static', 'param']]   i.e. '/docs' and '/docs/:lang'
 * ```
 */
export function expandOptional(parsed: ParsedPath): PathToken[][] {
  const { tokens } = parsed;
  const variants: PathToken[][] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t.kind !== 'param' || !t.optional) continue;
    const head = tokens.slice(0, k);
    const last = head.pop() as Extract<PathToken, { kind: 'static' }>;
    const text = last.text.slice(0, -1);
    if (text !== '') head.push({ kind: 'static', text });
    variants.push(head.length === 0 ? [{ kind: 'static', text: '/' }] : head);
  }
  variants.push(tokens.slice());
  return variants;
}

/**
 * Joins two pattern pieces with exactly one `/` between them: `JoinPaths` at the value level, used
 * for prefixes and mount paths. `''` and `'/'` add nothing.
 *
 * @example
 * ```ts
 * joinPaths('/api/', '/users/:id'); // '/api/users/:id'
 * ```
 */
export function joinPaths(a: string, b: string): string {
  if (b === '' || b === '/') return a === '' ? b : a;
  if (a === '') return b.startsWith('/') ? b : `/${b}`;
  const left = a.endsWith('/') ? a.slice(0, -1) : a;
  return b.startsWith('/') ? left + b : `${left}/${b}`;
}

/**
 * An empty joined path is the root.
 *
 * @example
 * ```ts
 * orRoot(joinPaths('', '')); // '/'
 * ```
 */
export function orRoot(path: string): string {
  return path === '' ? '/' : path;
}

/**
 * Whether pattern `path` is `base` or below it, segment-wise: what `router.use('/admin', fn)` covers.
 *
 * @example
 * ```ts
 * isUnder('/admin/users', '/admin'); // true
 * isUnder('/administrator', '/admin'); // false
 * ```
 */
export function isUnder(path: string, base: string): boolean {
  if (base === '' || base === '/') return true;
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  return path === b || path.startsWith(`${b}/`);
}
