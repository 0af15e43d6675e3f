/**
 * The `App` users import: the http App plus the seed's route sugar, `app.get('/', ctx => …)`, and
 * the listing of its routes. It lives above both `http` and `router` so that neither reaches into
 * the other: the http room knows nothing of routing, and a router is one ordinary middleware.
 *
 * Rules (tested in test/router/app-order.test.ts and test/koa/habits.test.ts):
 * - The verb methods are the Router's own ({@link RouteMethods}, typed once for both); they add to
 *   one app-level {@link Router}.
 * - The app's own routes run after every `app.use()` middleware, whenever either was added: a
 *   logger or an error handler added after `app.get()` still wraps the routes. So a middleware that
 *   answers without calling `next()` answers every request the app's routes would have: a custom
 *   404 is written around the stack (`await next()`, then look at `ctx.status`), or as
 *   `errorHandler({ notFound })`. Routers given to `app.use()` keep their place in the stack.
 * - Mechanism: the first route (or the first read of `app.router`) puts one slot in the core stack;
 *   middleware given to `use()` after that joins the slot, which runs it and then the routes. The
 *   core stack therefore ends with the routes whichever way it is composed (`listen()`, `inject()`,
 *   or koa-mount composing `app.middleware`).
 * - A plain middleware's return value is ignored, as in Koa (Koa middleware returns `next()`, whose
 *   value is whatever ran downstream); only a route handler's return value becomes the body.
 * - `app.routes` lists what every router in the stack serves, in the order requests meet them:
 *   any middleware carrying `list()` (as `router.routes()` does) is asked, so a third-party router
 *   is listed too, and the app's own routes come last.
 */
import { App as CoreApp, type AppOptions, type KoaMiddleware, type Middleware } from './http/app.js';
import { compose } from './http/compose.js';
import type { Context, DefaultState } from './http/context.js';
import type { RouteInfo } from './router/route-info.js';
import { ROUTE_VERBS, Router, type RouteMethods, type RoutesMiddleware } from './router/router.js';

/** The verb methods of {@link App}: see {@link RouteMethods}. The app keeps no names (`never`). */
export interface App<S extends object = DefaultState> extends RouteMethods<S, '', never> {}

type Composed = (ctx: Context, next: () => Promise<void>) => unknown;

/**
 * A shallot application with route sugar. Route methods add to one app-level {@link Router}, whose
 * routes run after every middleware given to `use()`, before or after the first route.
 *
 * @example
 * const app = new App()
 * app.get('/', () => ({ message: 'Hello, world!' }))
 * app.get({ name: 'user', summary: 'One user' }, '/user/:id', (ctx) => ({ id: ctx.params.id }))
 * app.use(logger()) // logs the routes above too
 * app.listen(8006)
 */
export class App<S extends object = DefaultState> extends CoreApp<S> {
  #router: Router<S> | null = null;
  #routes: RoutesMiddleware<S> | null = null;
  /** Middleware given to `use()` once the router exists: the slot runs them before the routes. */
  readonly #later: Middleware<S>[] = [];
  /** The slot's composed stack (`#later`, then the routes), made when the app first serves. */
  #slot: Composed | null = null;
  /** The `list()` of each middleware in the stack that has one, in stack order. */
  readonly #listings: (() => RouteInfo[])[] = [];

  constructor(options: AppOptions = {}) {
    super(options);
  }

  static {
    // Typed by `RouteMethods` (merged above), installed once: each forwards to the app's router.
    for (const verb of [...ROUTE_VERBS, 'ws'] as const) {
      const fn = {
        [verb](this: App<object>, ...args: unknown[]): App<object> {
          Reflect.apply(this.router[verb], this.router, args);
          return this;
        },
      }[verb];
      Object.defineProperty(App.prototype, verb, { value: fn, writable: true, configurable: true });
    }
  }

  /** The app-level router behind `app.get()` and friends (created on first use); its routes run last. */
  get router(): Router<S> {
    if (this.#router === null) {
      this.#router = new Router<S>();
      this.#routes = this.#router.routes();
      // One closure per app. The slot stands in the core stack for the middleware it holds: the
      // hooks the core asks of its stack are answered for them — `prepare()` when it starts
      // serving, `beforeDrain()` before a server drains (health()'s readiness).
      const slot = (ctx: Context<S>, next: () => Promise<void>): unknown =>
        (this.#slot ?? this.#composeSlot())(ctx as Context, next);
      super.use(
        Object.assign(slot, {
          prepare: (): void => void this.#composeSlot(),
          beforeDrain: (): Promise<unknown> =>
            Promise.all(this.#later.map((fn) => (fn as { beforeDrain?: () => unknown }).beforeDrain?.())),
          // Asked after prepare(): the app's routes, or a router given to use() after them.
          acceptsWebSockets: (): boolean =>
            [...this.#later, this.#routes!].some(
              (fn) => (fn as { acceptsWebSockets?: () => boolean }).acceptsWebSockets?.() === true,
            ),
        }),
      );
    }
    return this.#router;
  }

  /**
   * Every route the app serves through a router, described (see `RouteInfo`), in the order a
   * request meets them: each router given to `app.use()`, in stack order, then the app's own
   * routes with the routers mounted in its router. A fresh array each time; listing builds and
   * freezes nothing.
   *
   * @example
   * app.get({ name: 'home', tags: ['pages'] }, '/', () => 'home')
   * app.routes // [{ method: 'GET', path: '/', name: 'home', params: [], schemas: {}, meta: { tags: ['pages'] } }]
   */
  get routes(): RouteInfo[] {
    const listed = this.#listings.flatMap((list) => list());
    return this.#routes === null ? listed : [...listed, ...this.#routes.list()];
  }

  /**
   * Adds a middleware to the stack; one that carries `list()` is also listed by {@link App.routes}.
   * Middleware runs in the order it was added, and all of it before the app's own routes (added
   * with `app.get()` and friends), whichever came first. Its return value is ignored, as in Koa:
   * set `ctx.body`. Only a route handler's return value becomes the body.
   *
   * @throws {TypeError} if `fn` is not a function, or the app already started serving
   * @example
   * app.get('/', () => 'home')
   * app.use(errorHandler()) // wraps GET / as well
   */
  override use(fn: Middleware<S>): this;
  override use(fn: KoaMiddleware): this;
  override use(fn: Middleware<S> | KoaMiddleware): this {
    if (this.#router === null) {
      super.use(fn as Middleware<S>);
    } else {
      // The core's checks, for middleware that joins the slot instead of the core stack.
      if (typeof fn !== 'function') throw new TypeError('app.use() requires a middleware function');
      if (this.#slot !== null)
        throw new TypeError('app.use() after the app started serving: add middleware before listen()/inject()');
      this.#later.push(fn as Middleware<S>);
    }
    const list: unknown = (fn as { list?: unknown }).list;
    if (typeof list === 'function') this.#listings.push(() => Reflect.apply(list, fn, []) as RouteInfo[]);
    return this;
  }

  /** Composes the slot once: the middleware added after the router, then the routes. */
  #composeSlot(): Composed {
    if (this.#slot === null) {
      const stack = [...this.#later, this.#routes!] as Composed[];
      for (const fn of stack) (fn as { prepare?: () => void }).prepare?.();
      // Only the routes (the usual app): call them directly, with no composed level in between.
      this.#slot = stack.length === 1 ? stack[0]! : compose(stack);
    }
    return this.#slot;
  }
}
