/**
 * The `App` users import: the http App plus the seed's route sugar, `app.get('/', ctx => …)`, and
 * the listing of its routes. It lives above both `http` and `router` so that neither reaches into
 * the other: the http room knows nothing of routing, and a router is one ordinary middleware.
 *
 * Rules:
 * - The verb methods are the Router's own ({@link RouteMethods}, typed once for both); they add to
 *   one app-level {@link Router}, which joins the stack where the first route is added.
 * - `app.routes` lists what every router in the stack serves, in stack order: any middleware
 *   carrying `list()` (as `router.routes()` does) is asked, so a third-party router is listed too.
 */
import { App as CoreApp, type AppOptions, type KoaMiddleware, type Middleware } from './http/app.js';
import type { DefaultState } from './http/context.js';
import type { RouteInfo } from './router/route-info.js';
import { ROUTE_VERBS, Router, type RouteMethods } from './router/router.js';

/** The verb methods of {@link App}: see {@link RouteMethods}. The app keeps no names (`never`). */
export interface App<S extends object = DefaultState> extends RouteMethods<S, '', never> {}

/**
 * A shallot application with route sugar. Route methods add to one app-level {@link Router},
 * which joins the middleware stack where the first route is added.
 *
 * @example
 * const app = new App()
 * app.get('/', () => ({ message: 'Hello, world!' }))
 * app.get({ name: 'user', summary: 'One user' }, '/user/:id', (ctx) => ({ id: ctx.params.id }))
 * app.listen(8006)
 */
export class App<S extends object = DefaultState> extends CoreApp<S> {
  #router: Router<S> | null = null;
  /** The `list()` of each middleware in the stack that has one, in stack order. */
  readonly #listings: (() => RouteInfo[])[] = [];

  constructor(options: AppOptions = {}) {
    super(options);
  }

  static {
    // Typed by `RouteMethods` (merged above), installed once: each forwards to the app's router.
    for (const verb of ROUTE_VERBS) {
      const fn = {
        [verb](this: App<object>, ...args: unknown[]): App<object> {
          Reflect.apply(this.router[verb], this.router, args);
          return this;
        },
      }[verb];
      Object.defineProperty(App.prototype, verb, { value: fn, writable: true, configurable: true });
    }
  }

  /** The app-level router behind `app.get()` and friends (created on first use). */
  get router(): Router<S> {
    if (this.#router === null) {
      this.#router = new Router<S>();
      this.use(this.#router.routes());
    }
    return this.#router;
  }

  /**
   * Every route the app serves through a router, described (see `RouteInfo`): the app's own
   * routes, the routers mounted in its router with their mount paths, and each router given to
   * `app.use()`, in stack order. A fresh array each time; listing builds and freezes nothing.
   *
   * @example
   * app.get({ name: 'home', tags: ['pages'] }, '/', () => 'home')
   * app.routes // [{ method: 'GET', path: '/', name: 'home', params: [], schemas: {}, meta: { tags: ['pages'] } }]
   */
  get routes(): RouteInfo[] {
    return this.#listings.flatMap((list) => list());
  }

  /**
   * Adds a middleware to the stack; one that carries `list()` is also listed by {@link App.routes}.
   *
   * @throws {TypeError} as the core's `use()`
   * @example app.use(api.routes()) // api's routes now appear in app.routes
   */
  override use(fn: Middleware<S>): this;
  override use(fn: KoaMiddleware): this;
  override use(fn: Middleware<S> | KoaMiddleware): this {
    super.use(fn as Middleware<S>);
    const list: unknown = (fn as { list?: unknown }).list;
    if (typeof list === 'function') this.#listings.push(() => Reflect.apply(list, fn, []) as RouteInfo[]);
    return this;
  }
}
