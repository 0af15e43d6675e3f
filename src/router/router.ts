/**
 * `Router`: routes, mounting, named URLs, and the 404/405/OPTIONS/HEAD/501 rules, as one ordinary
 * middleware (`router.routes()`) built only on the core's public API — a third-party router could
 * replace it.
 *
 * Rules (tested in test/router/router.test.ts):
 * - Registration checks each route against the others of the same router (mounted ones included,
 *   as they are when mounted): two routes no request can tell apart throw `ERR_ROUTER_CONFLICT`
 *   naming both paths, at the `get()`/`use()` call. A conflict only visible once routers mounted
 *   later are combined throws when the table is built.
 * - Mounting is flattened when the router first serves: every route of a mounted router is added
 *   to one radix tree with its full path (prefixes and mount paths joined), so the parent's params
 *   are in the child's `ctx.params`, and a request costs one tree lookup however deep the nesting.
 *   The table then freezes: adding a route or `use()` to it, or to any router mounted in it, throws
 *   `ERR_ROUTER_FROZEN`. `caseSensitive`, `strict` and `maxParamLength` of the router whose
 *   `routes()` serves apply to the whole table; a mounted router's own are not consulted.
 * - `use(path, child.routes())` mounts `child`, exactly as `use(path, child)`: the middleware
 *   `routes()` returns carries its router.
 * - Middleware added with `router.use(fn)` runs only for requests routed into that router (a route
 *   of it, or of a router mounted below it, matched), before the route's own handlers, in the order
 *   it was added, outer routers first. `router.use('/admin', fn)` narrows that to routes whose path
 *   relative to the router (mount paths included, its own prefix not) is `/admin` or below it,
 *   segment-wise. A request no route matched runs none of it.
 * - A route's chain (router middleware + handlers) is composed once, when the tree is built.
 * - Params are percent-decoded once, only when a value holds `%`; a malformed escape is 400
 *   `ERR_BAD_PARAM`. A value longer than `maxParamLength` does not match (404).
 * - HEAD is served by the GET route (the core sends no body, but the Content-Length); OPTIONS
 *   answers 204 with `Allow`.
 * - A path served only with other methods answers 405 with `Allow` (union over every router the
 *   request passed through); a method no route serves anywhere answers 501. Both win over a
 *   downstream catch-all that answered 404 (set or thrown), never over a matched route's own 404.
 *   The exact rules are in `./fallback.ts`.
 * - A handler's return value, when not `undefined`, becomes `ctx.body` (`null` included).
 * - Named routes: `router.url(name, …)` builds from the route's path as seen from that router
 *   (its prefix and mount paths below it included, the mount path above it not).
 * - A route method's first argument is the path, or the route's name (a string) or its options
 *   (`{ name?, …metadata }`) followed by the path. `router.list()` describes every route with that
 *   same view of paths (rules in `./route-info.ts`); it builds and freezes nothing.
 * - The verb methods (`get` … `all`) are typed once, by {@link RouteMethods}, which `App` shares.
 * - `ws(path, …)` adds a WebSocket route: matched only by a WebSocket upgrade the engine sent
 *   through the stack (`ctx.isWebSocket`), before any GET route at the same path, which keeps the
 *   plain GETs. A plain GET or HEAD to a path served only as a WebSocket answers 426 (see
 *   `./fallback.ts`). An upgrade to a path without a WebSocket route is routed as the GET it is.
 *   The router middleware and handlers run as for any route; the handler calls `ctx.upgrade()`.
 */
import { compose, type Next } from '../http/compose.js';
import type { Context, DefaultState } from '../http/context.js';
import { WS_METHOD, answerMiss, recordMiss } from './fallback.js';
import { isUnder, joinPaths as join, orRoot } from './path.js';
import { RadixTree } from './radix-tree.js';
import { buildUrl } from './url.js';
import type { ValidatedHandler, ValidationSchemas, Validator } from '../http/validation.js';
import type { NamedRoute, RouteName, UrlParams } from './names.js';
import { describeRoute, splitOptions, type RouteInfo, type RouteMeta, type RouteOptions } from './route-info.js';
import { decodeParams, returnsBody } from './route-chain.js';
import type { JoinPaths, Params, RouteHandler, RouterMiddleware, RouterOptions, RoutesMiddleware } from './types.js';

export type { RouteHandler, RouterMiddleware, RouterOptions, RoutesMiddleware } from './types.js';

/**
 * Any router serving state `S`, whatever its mount path and names: what `use()` accepts to mount.
 * `any` because `Base` and `Names` only type the child's own handlers and `url()`, never the parent.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRouter<S extends object> = Router<S, any, any>;

/** Methods with their own registration helper (`all()` aside). */
export const ROUTER_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/**
 * The route methods of a Router and of the App, by property name.
 *
 * @example
 * ROUTE_VERBS.map((verb) => verb.toUpperCase()) // ['GET', …, 'OPTIONS', 'ALL']
 */
export const ROUTE_VERBS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'all'] as const;

/**
 * One route method, typed for a router whose state is `S`, whose routes sit under `Base`, and
 * which knows the named routes `Names` (`never` for an owner that keeps no names: the app).
 * The first argument is the path, or the route's name or {@link RouteOptions} and then the path.
 * A validator given first types the handlers after it from its schemas. An unnamed route returns
 * `This`; a named one returns a router that knows one more name, for {@link Router.url}.
 *
 * @example
 * router.get('/users/:id', (ctx) => ctx.params.id)
 * router.post({ name: 'createUser', summary: 'Create a user' }, '/users', validate({ body: User }), (ctx) => ctx.request.body)
 */
export interface RouteMethod<S extends object, Base extends string, Names, This> {
  <P extends string>(path: P, ...fns: PlainChain<RouteHandler<S, Params<JoinPaths<Base, P>>>>): This;
  <N extends string, P extends string>(
    name: N | RouteOptions<N>,
    path: P,
    ...fns: PlainChain<RouteHandler<S, Params<JoinPaths<Base, P>>>>
  ): WithName<This, S, Base, Names, N, JoinPaths<Base, P>>;
  // Validator overloads last, the unnamed one last of all: when no overload matches, the compiler
  // reports the last one's error — the handler's (a return value the responses do not declare).
  <N extends string, P extends string, T extends ValidationSchemas>(
    name: N | RouteOptions<N>,
    path: P,
    validator: Validator<T>,
    ...fns: ValidatedHandler<S, Params<JoinPaths<Base, P>>, T>[]
  ): WithName<This, S, Base, Names, N, JoinPaths<Base, P>>;
  <P extends string, T extends ValidationSchemas>(
    path: P,
    validator: Validator<T>,
    ...fns: ValidatedHandler<S, Params<JoinPaths<Base, P>>, T>[]
  ): This;
}

/**
 * The handlers of a route without a validator first: the first may not be a validator (a
 * `schemas` property holding a schema or a declaration), so a route with one is typed by the
 * validator overloads alone — with its handlers typed from the schemas, or an error about them
 * (a return value its `responses` do not declare) rather than a silent untyped match here.
 */
type PlainChain<H> = [] | [first: H & { readonly schemas?: NotSchemas }, ...rest: H[]];
type NotASchema = string | number | boolean | null | undefined;
type NotSchemas = {
  readonly [k: string]: unknown;
  readonly params?: NotASchema;
  readonly query?: NotASchema;
  readonly headers?: NotASchema;
  readonly body?: NotASchema;
  readonly files?: undefined;
  readonly responses?: undefined;
};

/**
 * What a named registration returns. A non-literal name (`string`: options without a name, or a
 * name computed at run time) adds nothing the type could check, so it returns `This` as well.
 */
type WithName<This, S extends object, Base extends string, Names, N extends string, P extends string> = string extends N
  ? This
  : [Names] extends [never]
    ? This
    : Router<S, Base, NamedRoute<N, P, Names>>;

/**
 * The verb methods shared by {@link Router} and `App`, typed once: each registers a route for its
 * method (`all` for every method) and returns the owner for chaining. HEAD is also served by the
 * GET route, and OPTIONS answered automatically; register them only to answer differently.
 *
 * @example
 * new Router().get('/', () => 'home').post('/items', (ctx) => ctx.request.body).all('/ping', () => 'pong')
 */
export interface RouteMethods<S extends object, Base extends string, Names> {
  /**
   * A WebSocket route: matched only by a WebSocket upgrade (GET with `Upgrade: websocket`), which
   * runs the app's and the route's middleware like any request; the handler accepts with
   * `const socket = await ctx.upgrade()`, or answers over HTTP (a thrown 401) and the connection
   * closes. A plain GET to the path answers 426.
   *
   * @example app.ws('/rooms/:room', async (ctx) => { const ws = await ctx.upgrade(); ws.send(`welcome to ${ctx.params.room}`) })
   */
  ws: RouteMethod<S, Base, Names, this>;
  get: RouteMethod<S, Base, Names, this>;
  post: RouteMethod<S, Base, Names, this>;
  put: RouteMethod<S, Base, Names, this>;
  patch: RouteMethod<S, Base, Names, this>;
  delete: RouteMethod<S, Base, Names, this>;
  head: RouteMethod<S, Base, Names, this>;
  options: RouteMethod<S, Base, Names, this>;
  all: RouteMethod<S, Base, Names, this>;
}

type AnyHandler = RouteHandler<object, Record<string, string>>;
type Chain = (ctx: Context, next: Next) => Promise<void>;

/**
 * The router behind a `routes()` middleware, so that `use('/todos', todos.routes())` mounts it as
 * `use('/todos', todos)` does: as router middleware it would run only after a route of the parent
 * matched, and serve nothing of its own.
 */
const kRouter = Symbol('shallot.router');

/** The metadata of a route given none: one shared frozen object. */
const NO_META: RouteMeta = Object.freeze({});

interface RouteDef {
  readonly method: string;
  readonly path: string;
  readonly name: string | null;
  readonly meta: RouteMeta;
  readonly fns: readonly AnyHandler[];
}

interface UseDef {
  readonly path: string | null;
  readonly fn: RouterMiddleware<object> | null;
  readonly router: Router<object, string> | null;
}

/** A route as the serving router sees it: full path, and the router middleware above it, outer first. */
interface FlatRoute {
  method: string;
  path: string;
  readonly name: string | null;
  readonly meta: RouteMeta;
  readonly uses: RouterMiddleware<object>[];
  readonly fns: readonly AnyHandler[];
}

interface Built {
  readonly tree: RadixTree<Chain>;
  /** Methods some route serves (HEAD and OPTIONS always): a method outside it is 501. */
  readonly methods: ReadonlySet<string>;
  readonly hasAll: boolean;
}

/** The verb methods of {@link Router}, typed by {@link RouteMethods}. */
export interface Router<S extends object = DefaultState, Base extends string = '', Names = {}> extends RouteMethods<
  S,
  Base,
  Names
> {}

/**
 * A router. `S` is the type of `ctx.state`; `Base` is the (type-level) path this router's routes sit
 * under — its mount path and/or prefix — so their params are typed in its handlers; `Names` lists
 * the named routes of a chained router (see `./names.ts`) for {@link Router.url}. Its verb methods
 * are {@link RouteMethods}.
 *
 * @example
 * const posts = new Router<State, '/users/:userId/posts'>()
 * posts.get('/:postId', (ctx) => ({ user: ctx.params.userId, post: ctx.params.postId }))
 * api.use('/users/:userId/posts', posts)
 * app.use(api.routes())
 */
export class Router<S extends object = DefaultState, Base extends string = '', Names = {}> {
  readonly #prefix: string;
  readonly #options: RouterOptions;
  readonly #routes: RouteDef[] = [];
  readonly #uses: UseDef[] = [];
  /** Every route registered so far, by full path, only to report conflicts at registration. */
  readonly #check: RadixTree<null>;
  #built: Built | null = null;
  /** Set when a parent's table includes this router: it may no longer change. */
  #sealed = false;
  #names: Map<string, string> | null = null;

  /**
   * `Base` is inferred from a literal `prefix` (`new Router({ prefix: '/users/:userId' })`), so the
   * prefix's params are typed in the handlers; a `Base` given explicitly (a mount path) wins.
   *
   * @throws {RangeError} when `maxParamLength` is not a positive integer.
   */
  constructor(options: RouterOptions<Base | (string & {})> = {}) {
    this.#prefix = options.prefix ?? '';
    this.#options = options;
    this.#check = new RadixTree<null>({
      caseSensitive: options.caseSensitive,
      strict: options.strict,
      maxParamLength: options.maxParamLength,
    });
  }

  static {
    // The verbs are typed once by `RouteMethods` (merged above) and installed here, since a class
    // method cannot share its name with a property of the merged interface.
    for (const verb of [...ROUTE_VERBS, 'ws'] as const) {
      const method = verb === 'ws' ? WS_METHOD : verb.toUpperCase();
      const fn = {
        [verb](this: Router<object, string>, first: unknown, ...rest: unknown[]): Router<object, string> {
          return this.#register(method, first, rest);
        },
      }[verb];
      Object.defineProperty(Router.prototype, verb, { value: fn, writable: true, configurable: true });
    }
  }

  /**
   * Registers a route for `method` (any token; `ALL` matches every method).
   *
   * @throws {Error} `ERR_ROUTER_CONFLICT` when an existing route matches exactly the same requests.
   */
  on<P extends string>(method: string, path: P, ...fns: RouteHandler<S, Params<JoinPaths<Base, P>>>[]): this {
    return this.#add(method.toUpperCase(), null, NO_META, path, fns);
  }

  /**
   * Router middleware (runs only for requests routed into this router) or mounted routers:
   * `use(fn)`, `use('/admin', fn)`, `use('/users/:userId/posts', postsRouter)`. A router's
   * `routes()` mounts that router, as the router itself does (`use('/todos', todos.routes())`).
   *
   * @throws {Error} `ERR_ROUTER_CONFLICT` when a mounted route matches exactly the requests of one
   *   already here; `ERR_ROUTER_FROZEN` once the router serves.
   */
  use(...items: (RouterMiddleware<S> | AnyRouter<S>)[]): this;
  use<P extends string>(path: P, ...items: (RouterMiddleware<S, Params<JoinPaths<Base, P>>> | AnyRouter<S>)[]): this;
  use(...args: unknown[]): this {
    let path: string | null = null;
    let items = args;
    if (typeof args[0] === 'string') {
      path = args[0];
      items = args.slice(1);
    }
    this.#assertOpen(`use ${path ?? ''}`.trimEnd());
    const defs: UseDef[] = [];
    for (const item of items) {
      const mounted = item instanceof Router ? item : routerOf(item);
      if (mounted !== null) {
        if (mounted === this) throw new TypeError('A router cannot be mounted in itself');
        const child = mounted as Router<object, string>;
        // Check the child's routes here and now, so a clash with this router's routes names both.
        for (const r of child.#collect(false))
          this.#check.add(r.method, orRoot(join(this.#prefix, join(path ?? '', r.path))), null);
        defs.push({ path, fn: null, router: child });
      } else if (typeof item === 'function') {
        defs.push({ path, fn: item as RouterMiddleware<object>, router: null });
      } else {
        throw new TypeError('router.use() takes middleware functions and routers');
      }
    }
    this.#uses.push(...defs);
    this.#names = null;
    return this;
  }

  /**
   * The URL of a named route, with params filled in (percent-encoded) and an optional query.
   *
   * @throws {Error} for an unknown name; a `TypeError` for a missing or non-matching param.
   * @example router.url('user', { id: 42 }, { query: { tab: 'posts' } }) // '/user/42?tab=posts'
   */
  url<N extends RouteName<Names>>(
    name: N,
    params?: UrlParams<Names, N>,
    options?: { query?: Record<string, string | number> | string },
  ): string {
    const pattern = this.#nameTable().get(name);
    if (pattern === undefined) throw new Error(`No route named ${JSON.stringify(name)}`);
    return buildUrl(pattern, (params ?? {}) as Record<string, string | number>, options?.query);
  }

  /**
   * Every route of this router and of the routers mounted in it, described: method, full path as
   * seen from this router, name, params, validators' schemas and metadata (see `./route-info.ts`).
   * This router's routes in registration order come first, then each mounted router's, in mount
   * order. A fresh array each call; listing builds and freezes nothing.
   *
   * @example
   * const api = new Router({ prefix: '/api' }).get({ name: 'user', tags: ['users'] }, '/users/:id', handler)
   * api.list() // [{ method: 'GET', path: '/api/users/:id', name: 'user', params: [{ name: 'id', … }], schemas: {}, meta: { tags: ['users'] } }]
   */
  list(): RouteInfo[] {
    return this.#collect(false).map((r) =>
      describeRoute(r.method, orRoot(r.path), r.name, r.meta, [...r.uses, ...r.fns]),
    );
  }

  /** The middleware to give `app.use()`. The route table is built, and frozen, on the first request. */
  routes(): RoutesMiddleware<S> {
    // One closure per `routes()` call, none per request.
    const mw: RouterMiddleware<S> = (ctx, next) => this.#dispatch(ctx as unknown as Context, next);
    // The app calls `prepare()` when it starts serving: a conflict between combined routers then
    // throws from listen()/inject() instead of turning every request into a 500.
    return Object.assign(mw, {
      prepare: (): void => void (this.#built ?? this.#build()),
      list: (): RouteInfo[] => this.list(),
      acceptsWebSockets: (): boolean => (this.#built ?? this.#build()).methods.has(WS_METHOD),
      [kRouter]: this,
    });
  }

  // ── internals ───────────────────────────────────────────────────────────────────────────
  /** A verb method's arguments: `(path, …fns)`, `(name, path, …fns)` or `(options, path, …fns)`. */
  #register(method: string, first: unknown, rest: unknown[]): this {
    const path = rest[0];
    if (typeof first === 'string' && typeof path !== 'string') return this.#add(method, null, NO_META, first, rest);
    if (typeof path === 'string' && typeof first === 'string')
      return this.#add(method, first, NO_META, path, rest.slice(1));
    if (typeof path === 'string' && typeof first === 'object' && first !== null) {
      const { name, meta } = splitOptions(first as RouteOptions);
      return this.#add(method, name, meta, path, rest.slice(1));
    }
    throw new TypeError(`Route ${method}: expected a path, or a name or an options object and then a path`);
  }

  #add(method: string, name: string | null, meta: RouteMeta, path: string, fns: readonly unknown[]): this {
    this.#assertOpen(`${method} ${path}`);
    if (fns.length === 0) throw new TypeError(`Route ${method} ${path} has no handler`);
    for (const f of fns)
      if (typeof f !== 'function') throw new TypeError(`Route ${method} ${path}: handlers must be functions`);
    if (name !== null && this.#routes.some((r) => r.name === name)) {
      throw Object.assign(new Error(`Route name ${JSON.stringify(name)} is already used in this router`), {
        code: 'ERR_ROUTER_CONFLICT',
      });
    }
    // Throws on a malformed pattern or a conflict before anything is recorded.
    this.#check.add(method, orRoot(join(this.#prefix, path)), null);
    this.#routes.push({ method, path, name, meta, fns: fns as AnyHandler[] });
    this.#names = null;
    return this;
  }

  #assertOpen(what: string): void {
    if (this.#built !== null || this.#sealed) {
      throw Object.assign(new Error(`Cannot ${what}: the router already serves requests`), {
        code: 'ERR_ROUTER_FROZEN',
      });
    }
  }

  /**
   * Every route of this router and of those mounted below, with paths relative to this router's
   * parent (its prefix included) and the router middleware that applies, outer routers first.
   * `seal` marks the routers below as part of a serving table.
   */
  #collect(seal: boolean): FlatRoute[] {
    const out: FlatRoute[] = [];
    for (const r of this.#routes)
      out.push({ method: r.method, path: r.path, name: r.name, meta: r.meta, uses: [], fns: r.fns });
    for (const u of this.#uses) {
      if (u.router === null) continue;
      if (seal) u.router.#sealed = true;
      for (const r of u.router.#collect(seal)) {
        r.path = join(u.path ?? '', r.path);
        out.push(r);
      }
    }
    for (const r of out) {
      r.uses.unshift(...this.#usesFor(r.path));
      r.path = join(this.#prefix, r.path);
    }
    return out;
  }

  /** This router's own middleware that applies to a route at `path` (relative to this router). */
  #usesFor(path: string): RouterMiddleware<object>[] {
    const fns: RouterMiddleware<object>[] = [];
    for (const u of this.#uses) {
      if (u.fn !== null && (u.path === null || isUnder(path, u.path))) fns.push(u.fn);
    }
    return fns;
  }

  #build(): Built {
    const tree = new RadixTree<Chain>({
      caseSensitive: this.#options.caseSensitive,
      strict: this.#options.strict,
      maxParamLength: this.#options.maxParamLength,
    });
    const methods = new Set<string>(['HEAD', 'OPTIONS']);
    for (const r of this.#collect(true)) {
      const chain = compose([...r.uses, ...r.fns.map(returnsBody)] as ((ctx: Context, next: Next) => unknown)[]);
      tree.add(r.method, orRoot(r.path), chain);
      methods.add(r.method);
      // A WebSocket route serves GET (upgrades): a plain GET elsewhere is a 404, not a 501.
      if (r.method === WS_METHOD) methods.add('GET');
    }
    tree.freeze();
    this.#built = { tree, methods, hasAll: methods.has('ALL') };
    return this.#built;
  }

  #nameTable(): Map<string, string> {
    if (this.#names === null) {
      const names = new Map<string, string>();
      for (const r of this.#collect(false))
        if (r.name !== null && !names.has(r.name)) names.set(r.name, orRoot(r.path));
      this.#names = names;
    }
    return this.#names;
  }

  /**
   * The hot path. Not `async`: a matched request returns the route chain's own promise, and only
   * a miss pays for the async bookkeeping in `./fallback.ts`.
   */
  #dispatch(ctx: Context, next: Next): Promise<void> {
    const built = this.#built ?? this.#build();
    const tree = built.tree;
    const method = ctx.method;
    const path = ctx.path;
    const m =
      (ctx.isWebSocket ? tree.match(WS_METHOD, path) : null) ??
      tree.match(method, path) ??
      (method === 'HEAD' ? tree.match('GET', path) : null) ??
      (built.hasAll ? tree.match('ALL', path) : null);
    if (m === null) return answerMiss(ctx, next, recordMiss(ctx, tree.allowed(path), built.methods));
    ctx.params = m.needsDecode ? decodeParams(m.params) : m.params;
    ctx.routePath = m.path;
    return m.value(ctx, next);
  }
}

/** The router whose `routes()` made `fn`, or null for any other middleware. */
function routerOf(fn: unknown): Router<object, string> | null {
  if (typeof fn !== 'function') return null;
  const router: unknown = (fn as { [kRouter]?: unknown })[kRouter];
  return router instanceof Router ? (router as Router<object, string>) : null;
}
