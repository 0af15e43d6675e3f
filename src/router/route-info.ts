/**
 * What a router says about its routes: `router.list()` and `app.routes` return one
 * {@link RouteInfo} per registered route, and a route declares its metadata once, at
 * registration (`router.get({ name, summary, tags }, '/path', …)`), for tools such as an OpenAPI
 * generator to read back. There is no second registry: the route is the one place.
 *
 * Rules:
 * - One entry per registration, as registered: `all()` is `'ALL'`, a GET route does not add a HEAD
 *   entry, the automatic OPTIONS answer adds none, and an optional param stays one pattern.
 * - `path` is the full pattern as the listing router sees it: its prefix and the mount paths
 *   below it included, the mount path above it not — the same view as `router.url()`.
 * - `schemas` merges the `schemas` of every validator in the route's chain (router middleware
 *   first, outer routers first, then the route's handlers); for a target checked twice, the first
 *   wins, since that one sees what the client sent. `files` is the first validator's that has
 *   one; `responses` merges status by status, the first declaration of a status winning.
 */
import { schemasOf, type ValidationSchemas, type ValidationTarget } from '../http/validation.js';
import { parsePath } from './path.js';

/**
 * A route's metadata, given once at registration and returned as is by the listing. An
 * interface, so a tool that needs more fields (an OpenAPI generator's `security` or `responses`)
 * adds them by declaration merging rather than keeping a registry of its own.
 *
 * @example
 * declare module 'shallot' {
 *   interface RouteMeta { security?: Record<string, string[]>[] }
 * }
 * router.get({ name: 'getUser', summary: 'One user', tags: ['users'] }, '/users/:id', handler)
 */
export interface RouteMeta {
  /** One line about what the route does. */
  summary?: string;
  /** A longer description (CommonMark in OpenAPI). */
  description?: string;
  /** Groups the route belongs to. */
  tags?: readonly string[];
  /** A unique id for the operation, when it is not the route's name. */
  operationId?: string;
  /** The route is on its way out. */
  deprecated?: boolean;
  /**
   * Security requirements (OpenAPI's: scheme name → scopes, any one object satisfying), over the
   * document's default; `[]` for a public route. The schemes are declared to the generator.
   */
  security?: readonly Readonly<Record<string, readonly string[]>>[];
}

/**
 * The first argument of a route method when it is an object: the route's name, if any, and its
 * {@link RouteMeta}. A string there is the name alone.
 *
 * @example
 * const options: RouteOptions<'user'> = { name: 'user', summary: 'One user' }
 */
export type RouteOptions<N extends string = string> = RouteMeta & { readonly name?: N };

/**
 * A param of a route pattern.
 *
 * @example
 * // '/files/:id(\\d+)/:lang?/*rest'
 * [{ name: 'id', optional: false, pattern: '\\d+', wildcard: false },
 *  { name: 'lang', optional: true, pattern: null, wildcard: false },
 *  { name: 'rest', optional: false, pattern: null, wildcard: true }]
 */
export interface RouteParam {
  readonly name: string;
  /** Written `:name?`: the segment may be absent. */
  readonly optional: boolean;
  /** The regex source of a restricted param (`:id(\d+)` → `'\\d+'`), else `null`. */
  readonly pattern: string | null;
  /** A `*name` tail: matches the rest of the path, slashes included, possibly empty. */
  readonly wildcard: boolean;
}

/**
 * One registered route, as `router.list()` describes it (see the module rules).
 *
 * @example
 * router.get({ name: 'user', tags: ['users'] }, '/users/:id', validate({ params: Id }), handler)
 * router.list()
 * // [{ method: 'GET', path: '/users/:id', name: 'user', params: [{ name: 'id', … }],
 * //    schemas: { params: Id }, meta: { tags: ['users'] } }]
 */
export interface RouteInfo {
  /** Upper-case method, or `'ALL'` for a route registered with `all()`. */
  readonly method: string;
  readonly path: string;
  readonly name: string | null;
  readonly params: readonly RouteParam[];
  /** The validators' schemas by target; `{}` when no validator is in the chain. */
  readonly schemas: Readonly<ValidationSchemas>;
  /** The metadata given at registration; `{}` when none. */
  readonly meta: Readonly<RouteMeta>;
}

const TARGETS: readonly ValidationTarget[] = ['params', 'headers', 'query', 'body'];

/**
 * Describes one route from its full path and its chain (router middleware, then handlers).
 *
 * @example
 * describeRoute('GET', '/users/:id', 'user', {}, [handler]).params // [{ name: 'id', optional: false, … }]
 */
export function describeRoute(
  method: string,
  path: string,
  name: string | null,
  meta: RouteMeta,
  chain: readonly unknown[],
): RouteInfo {
  const params: RouteParam[] = [];
  for (const t of parsePath(path).tokens) {
    if (t.kind === 'param') params.push({ name: t.name, optional: t.optional, pattern: t.source, wildcard: false });
    else if (t.kind === 'wildcard') params.push({ name: t.name, optional: false, pattern: null, wildcard: true });
  }
  const schemas: ValidationSchemas = {};
  for (const fn of chain) {
    const found = schemasOf(fn);
    if (found === null) continue;
    for (const t of TARGETS) if (schemas[t] === undefined && found[t] !== undefined) schemas[t] = found[t];
    if (schemas.files === undefined && found.files !== undefined) schemas.files = found.files;
    if (found.responses !== undefined)
      schemas.responses =
        schemas.responses === undefined ? found.responses : { ...found.responses, ...schemas.responses };
  }
  return { method, path, name, params, schemas, meta: { ...meta } };
}

/**
 * Splits a route method's first object argument into the name and the metadata.
 *
 * @throws {TypeError} when `name` is given and is not a non-empty string
 * @example
 * splitOptions({ name: 'user', summary: 'One user' }) // { name: 'user', meta: { summary: 'One user' } }
 */
export function splitOptions(options: RouteOptions): { name: string | null; meta: RouteMeta } {
  const { name, ...meta } = options;
  if (name !== undefined && (typeof name !== 'string' || name === ''))
    throw new TypeError('A route name must be a non-empty string');
  return { name: name ?? null, meta };
}
