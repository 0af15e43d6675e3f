/**
 * `Router`: routes, mounting, named URLs, and the 404/405/OPTIONS/HEAD/501 rules, as one ordinary
 * middleware (`router.routes()`) built only on the core's public API — a third-party router could
 * replace it.
 *
 * Rules (tested in test/router/router.test.ts):
 * - Mounting is flattened when the router first serves: every route of a mounted router is added
 *   to one radix tree with its full path (prefixes and mount paths joined), so the parent's params
 *   are in the child's `ctx.params`, and a request costs one tree lookup however deep the nesting.
 * - Middleware added with `router.use(fn)` runs only for requests routed into that router (a route
 *   of it, or of a router mounted below it, matched), before the route's own handlers, in the order
 *   it was added, outer routers first. `router.use('/admin', fn)` narrows that to routes under `/admin`.
 * - A route's chain (router middleware + handlers) is composed once, when the tree is built.
 * - HEAD is served by the GET route (the core sends no body); OPTIONS answers 204 with `Allow`.
 * - A path served only with other methods answers 405 with `Allow` (union over every router the
 *   request passed through); a method no route serves anywhere answers 501. Both win over a
 *   downstream catch-all that answered 404.
 * - A handler's return value, when not `undefined`, becomes `ctx.body`.
 */
import { compose, type Next } from '../core/compose.js';
import { HttpError } from '../core/http-error.js';
import type { Context, DefaultState } from '../core/context.js';
import { RadixTree } from './radix-tree.js';
import { buildUrl } from './url.js';
import type { JoinPaths, Params } from './types.js';

/** A route handler or route middleware; a returned value other than `undefined` becomes the body. */
export type RouteHandler<S extends object, P extends Record<string, string>> = (ctx: Context<S, P>, next: Next) => unknown;

/** A plain middleware as `app.use` takes it. */
type Mw<S extends object> = (ctx: Context<S>, next: Next) => unknown;

/** Options of {@link Router}. */
export interface RouterOptions<Prefix extends string = ''> {
  /** Prepended to every route of this router. */
  prefix?: Prefix;
  /** Match static path text case-sensitively (default true). */
  caseSensitive?: boolean;
  /** Treat a trailing slash as significant (default false). */
  strict?: boolean;
  /** Longest param value (default 100); a longer one does not match. */
  maxParamLength?: number;
}

/** Methods with their own registration helper. */
export const ROUTER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

interface RouteDef {
  method: string;
  path: string;
  name: string | null;
  fns: RouteHandler<object, Record<string, string>>[];
}

interface UseDef {
  path: string | null;
  fns: Mw<object>[];
  router: Router<object, string> | null;
}

interface Built {
  tree: RadixTree<(ctx: Context, next: Next) => Promise<void>>;
  methods: Set<string>;
}

/** What routers record about a request none of them matched, for the 405/501/OPTIONS answer. */
interface Miss {
  allow: Set<string>;
  known: Set<string>;
}

const misses = new WeakMap<Context, Miss>();

/**
 * A router. `S` is the type of `ctx.state`; `Base` is the (type-level) path this router is mounted
 * at, so params of the mount path are typed in its handlers; `Names` collects named routes.
 *
 * @example
 * const users = new Router<State, '/users/:userId'>()
 * users.get('/posts/:postId', (ctx) => ({ user: ctx.params.userId, post: ctx.params.postId }))
 * api.use('/users/:userId', users)
 */
export class Router<S extends object = DefaultState, Base extends string = '', Names extends Record<string, string> = {}> {
  readonly #prefix: string;
  readonly #options: RouterOptions<string>;
  readonly #routes: RouteDef[] = [];
  readonly #uses: UseDef[] = [];
  #built: Built | null = null;
  #names: Map<string, string> | null = null;

  constructor(options: RouterOptions<string> = {}) {
    this.#prefix = options.prefix ?? '';
    this.#options = options;
  }

  /** Registers a route for `method` (any token; `ALL` matches every method). */
  on<P extends string>(method: string, path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this {
    return this.#add(method.toUpperCase(), null, path, fns);
  }

  get<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this;
  get<N extends string, P extends string>(name: N, path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): Router<S, Base, Names & Record<N, JoinPaths<Base, P>>>;
  get(a: string, ...rest: unknown[]): unknown {
    return this.#named('GET', a, rest);
  }

  post<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this;
  post<N extends string, P extends string>(name: N, path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): Router<S, Base, Names & Record<N, JoinPaths<Base, P>>>;
  post(a: string, ...rest: unknown[]): unknown {
    return this.#named('POST', a, rest);
  }

  put<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this;
  put<N extends string, P extends string>(name: N, path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): Router<S, Base, Names & Record<N, JoinPaths<Base, P>>>;
  put(a: string, ...rest: unknown[]): unknown {
    return this.#named('PUT', a, rest);
  }

  patch<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this;
  patch<N extends string, P extends string>(name: N, path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): Router<S, Base, Names & Record<N, JoinPaths<Base, P>>>;
  patch(a: string, ...rest: unknown[]): unknown {
    return this.#named('PATCH', a, rest);
  }

  delete<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this;
  delete<N extends string, P extends string>(name: N, path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): Router<S, Base, Names & Record<N, JoinPaths<Base, P>>>;
  delete(a: string, ...rest: unknown[]): unknown {
    return this.#named('DELETE', a, rest);
  }

  head<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this {
    return this.#add('HEAD', null, path, fns);
  }

  options<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this {
    return this.#add('OPTIONS', null, path, fns);
  }

  /** A route for every method. */
  all<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this {
    return this.#add('ALL', null, path, fns);
  }

  /**
   * Router middleware (runs only for requests routed into this router) or mounted routers:
   * `use(fn)`, `use('/admin', fn)`, `use('/users/:id/posts', postsRouter)`.
   */
  use(...args: (string | Mw<S> | Router<S, string, Record<string, string>>)[]): this {
    let path: string | null = null;
    let list = args;
    if (typeof args[0] === 'string') {
      path = args[0];
      list = args.slice(1);
    }
    this.#assertOpen(`use ${path ?? ''}`);
    for (const item of list) {
      if (item instanceof Router) this.#uses.push({ path, fns: [], router: item as unknown as Router<object, string> });
      else if (typeof item === 'function') this.#uses.push({ path, fns: [item as Mw<object>], router: null });
      else throw new TypeError('router.use() takes middleware functions and routers');
    }
    return this;
  }

  /**
   * The URL of a named route, with params filled in (percent-encoded) and an optional query.
   *
   * @example router.url('user', { id: 42 }, { query: { tab: 'posts' } }) // '/user/42?tab=posts'
   */
  url<N extends keyof Names & string>(name: N, params?: Record<string, string | number>, options?: { query?: Record<string, string | number> | string }): string {
    const pattern = this.#nameTable().get(name);
    if (pattern === undefined) throw new Error(`No route named ${JSON.stringify(name)}`);
    return buildUrl(pattern, params ?? {}, options?.query);
  }

  /** The middleware to give `app.use()`. The route table is built on the first request. */
  routes(): Mw<S> {
    return (ctx, next) => this.#dispatch(ctx as unknown as Context, next);
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────
  #named(method: string, a: string, rest: unknown[]): this {
    if (typeof rest[0] === 'string') {
      return this.#add(method, a, rest[0], rest.slice(1) as RouteHandler<S, Record<string, string>>[]);
    }
    return this.#add(method, null, a, rest as RouteHandler<S, Record<string, string>>[]);
  }

  #add(method: string, name: string | null, path: string, fns: RouteHandler<S, never>[]): this {
    this.#assertOpen(`${method} ${path}`);
    if (fns.length === 0) throw new TypeError(`Route ${method} ${path} has no handler`);
    for (const f of fns) if (typeof f !== 'function') throw new TypeError(`Route ${method} ${path}: handlers must be functions`);
    this.#routes.push({ method, path, name, fns: fns as unknown as RouteDef['fns'] });
    return this;
  }

  #assertOpen(what: string): void {
    if (this.#built !== null) {
      throw Object.assign(new Error(`Cannot ${what}: the router already serves requests`), { code: 'ERR_ROUTER_FROZEN' });
    }
  }

  /** Every route of this router and those mounted below, with full paths and full chains. */
  #flatten(prefix: string, outer: readonly Mw<object>[], out: { method: string; path: string; name: string | null; chain: Mw<object>[] }[]): void {
    const base = join(prefix, this.#prefix);
    for (const r of this.#routes) {
      const chain = [...outer, ...this.#usesFor(r.path), ...r.fns.map(returnsBody)];
      out.push({ method: r.method, path: join(base, r.path), name: r.name, chain });
    }
    for (const u of this.#uses) {
      if (u.router === null) continue;
      const mount = u.path ?? '';
      (u.router as unknown as Router).#flatten(join(base, mount), [...outer, ...this.#usesFor(mount)], out);
    }
  }

  /** This router's own middleware that applies to a route (or mount) at `path`. */
  #usesFor(path: string): Mw<object>[] {
    const fns: Mw<object>[] = [];
    for (const u of this.#uses) {
      if (u.router !== null) continue;
      if (u.path === null || under(path, u.path)) fns.push(...u.fns);
    }
    return fns;
  }

  #build(): Built {
    const flat: { method: string; path: string; name: string | null; chain: Mw<object>[] }[] = [];
    this.#flatten('', [], flat);
    const tree = new RadixTree<(ctx: Context, next: Next) => Promise<void>>({
      caseSensitive: this.#options.caseSensitive,
      strict: this.#options.strict,
      maxParamLength: this.#options.maxParamLength,
    });
    const methods = new Set<string>(['HEAD', 'OPTIONS']);
    for (const r of flat) {
      tree.add(r.method, r.path, compose(r.chain as Mw<Context>[]) as (ctx: Context, next: Next) => Promise<void>);
      methods.add(r.method);
      if (r.method === 'GET') methods.add('HEAD');
    }
    tree.freeze();
    return { tree, methods };
  }

  #nameTable(): Map<string, string> {
    if (this.#names === null) {
      const flat: { method: string; path: string; name: string | null; chain: Mw<object>[] }[] = [];
      this.#flatten('', [], flat);
      this.#names = new Map();
      for (const r of flat) if (r.name !== null) this.#names.set(r.name, r.path);
    }
    return this.#names;
  }

  async #dispatch(ctx: Context, next: Next): Promise<void> {
    const built = (this.#built ??= this.#build());
    const tree = built.tree;
    const method = ctx.method;
    const path = ctx.path;
    const m = tree.match(method, path) ?? (method === 'HEAD' ? tree.match('GET', path) : null) ?? tree.match('ALL', path);
    if (m !== null) {
      ctx.params = m.needsDecode ? decodeParams(m.params) : m.params;
      ctx.routePath = m.path;
      return m.value(ctx, next);
    }
    // Not ours: note what we would have allowed, let the rest of the stack try, then decide.
    let miss = misses.get(ctx);
    if (miss === undefined) misses.set(ctx, (miss = { allow: new Set(), known: new Set() }));
    for (const a of tree.allowed(path)) {
      miss.allow.add(a);
      if (a === 'GET') miss.allow.add('HEAD');
    }
    for (const k of built.methods) miss.known.add(k);
    await next();
    if (ctx.status !== 404 || ctx.headerSent) return;
    if (miss.allow.size > 0) {
      const allow = miss.allow.has('ALL') ? 'ALL' : [...miss.allow, 'OPTIONS'].filter(uniq).sort().join(', ');
      if (method === 'OPTIONS') {
        ctx.set('allow', allow);
        ctx.status = 204;
        ctx.body = null;
        return;
      }
      throw new HttpError(405, `${method} is not allowed on ${path}`, { code: 'ERR_METHOD_NOT_ALLOWED', headers: { allow } });
    }
    if (!miss.known.has(method) && !miss.known.has('ALL')) {
      throw new HttpError(501, `No route serves ${method}`, { code: 'ERR_METHOD_NOT_IMPLEMENTED', expose: true });
    }
  }
}

/** Wraps a route handler so its return value becomes the body (the seed's `ctx => ({ … })`). */
function returnsBody(fn: RouteHandler<object, Record<string, string>>): Mw<object> {
  return async (ctx, next) => {
    const v = await fn(ctx as unknown as Context<object, Record<string, string>>, next);
    if (v !== undefined) ctx.body = v as never;
  };
}

function decodeParams(raw: Record<string, string>): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const k in raw) {
    try {
      out[k] = decodeURIComponent(raw[k]!);
    } catch {
      throw new HttpError(400, `Malformed percent-encoding in route parameter "${k}"`, { code: 'ERR_BAD_PARAM' });
    }
  }
  return out;
}

/** Joins two path pieces with exactly one `/` between them (`JoinPaths` at the value level). */
export function join(a: string, b: string): string {
  if (b === '' || b === '/') return a === '' ? (b === '' ? '' : '/') : a;
  if (a === '') return b.startsWith('/') ? b : `/${b}`;
  const left = a.endsWith('/') ? a.slice(0, -1) : a;
  return b.startsWith('/') ? left + b : `${left}/${b}`;
}

/** Whether route `path` is `base` or below it, segment-wise (`/admin` covers `/admin/x`, not `/administrator`). */
function under(path: string, base: string): boolean {
  if (base === '' || base === '/') return true;
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  return path === b || path.startsWith(`${b}/`);
}

function uniq(v: string, i: number, a: string[]): boolean {
  return a.indexOf(v) === i;
}
