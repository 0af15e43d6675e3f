/**
 * URL building for named routes: the route pattern's tokens filled with percent-encoded params.
 */
import { parsePath } from './path.js';

/**
 * Fills `pattern` with `params`; appends `query` (an object or a ready query string).
 *
 * @throws {TypeError} when a required param is missing, or a value does not satisfy its pattern
 * @example buildUrl('/user/:id', { id: 42 }, { tab: 'a b' }) // '/user/42?tab=a%20b'
 */
export function buildUrl(
  pattern: string,
  params: Record<string, string | number>,
  query?: Record<string, string | number> | string,
): string {
  let out = '';
  for (const t of parsePath(pattern).tokens) {
    if (t.kind === 'static') {
      out += t.text.replace(/::/g, ':');
      continue;
    }
    const v = params[t.name];
    if (v === undefined) {
      if (t.kind === 'param' && t.optional) {
        // An omitted optional segment drops the '/' in front of it too.
        if (out.endsWith('/')) out = out.slice(0, -1);
        continue;
      }
      if (t.kind === 'wildcard') continue;
      throw new TypeError(`Missing param "${t.name}" for ${pattern}`);
    }
    const s = String(v);
    if (t.kind === 'param' && t.pattern !== null && !t.pattern.test(s)) {
      throw new TypeError(`Param "${t.name}" = ${JSON.stringify(s)} does not match ${t.source} in ${pattern}`);
    }
    out += t.kind === 'wildcard' ? s.split('/').map(encodeURIComponent).join('/') : encodeURIComponent(s);
  }
  if (out === '') out = '/';
  if (query === undefined) return out;
  const qs =
    typeof query === 'string'
      ? query.replace(/^\?/, '')
      : new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]))
          .toString()
          .replace(/\+/g, '%20');
  return qs === '' ? out : `${out}?${qs}`;
}
