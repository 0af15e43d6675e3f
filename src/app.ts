/**
 * The `App` users import: the core app plus the seed's route sugar, `app.get('/', ctx => …)`.
 * It lives above both `core` and `router` so that neither reaches into the other: the core knows
 * nothing of routing, and the router is one ordinary middleware in the stack.
 */
import { App as CoreApp, type AppOptions } from './http/app.js';
import type { DefaultState } from './http/context.js';
import { Router, type RouteHandler } from './router/router.js';
import type { JoinPaths, Params } from './router/types.js';
import type { ValidatedHandler, ValidationSchemas, Validator } from './middleware/validate/validate.js';

/** What the route methods' implementations take: any handler (the overloads above them type it). */
type AnyHandler<S extends object> = RouteHandler<S, Record<string, string>>;

/**
 * A shallot application with route sugar. Route methods add to one app-level {@link Router},
 * which joins the middleware stack where the first route is added.
 *
 * @example
 * const app = new App()
 * app.get('/', () => ({ message: 'Hello, world!' }))
 * app.get('/user/:id', (ctx) => ({ id: ctx.params.id }))
 * app.listen(8006)
 */
export class App<S extends object = DefaultState> extends CoreApp<S> {
  #router: Router<S> | null = null;

  constructor(options: AppOptions = {}) {
    super(options);
  }

  /** The app-level router behind `app.get()` and friends (created on first use). */
  get router(): Router<S> {
    if (this.#router === null) {
      this.#router = new Router<S>();
      this.use(this.#router.routes());
    }
    return this.#router;
  }

  /** `GET path`; a returned value becomes the body. HEAD is served by it too. */
  get<P extends string, T extends ValidationSchemas>(path: P, validator: Validator<T>, ...fns: ValidatedHandler<S, Params<JoinPaths<'', P>>, T>[]): this;
  get<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<'', P>>>[]): this;
  get(path: string, ...fns: AnyHandler<S>[]): this {
    this.router.get(path, ...fns);
    return this;
  }

  /** `POST path`. */
  post<P extends string, T extends ValidationSchemas>(path: P, validator: Validator<T>, ...fns: ValidatedHandler<S, Params<JoinPaths<'', P>>, T>[]): this;
  post<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<'', P>>>[]): this;
  post(path: string, ...fns: AnyHandler<S>[]): this {
    this.router.post(path, ...fns);
    return this;
  }

  /** `PUT path`. */
  put<P extends string, T extends ValidationSchemas>(path: P, validator: Validator<T>, ...fns: ValidatedHandler<S, Params<JoinPaths<'', P>>, T>[]): this;
  put<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<'', P>>>[]): this;
  put(path: string, ...fns: AnyHandler<S>[]): this {
    this.router.put(path, ...fns);
    return this;
  }

  /** `PATCH path`. */
  patch<P extends string, T extends ValidationSchemas>(path: P, validator: Validator<T>, ...fns: ValidatedHandler<S, Params<JoinPaths<'', P>>, T>[]): this;
  patch<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<'', P>>>[]): this;
  patch(path: string, ...fns: AnyHandler<S>[]): this {
    this.router.patch(path, ...fns);
    return this;
  }

  /** `DELETE path`. */
  delete<P extends string, T extends ValidationSchemas>(path: P, validator: Validator<T>, ...fns: ValidatedHandler<S, Params<JoinPaths<'', P>>, T>[]): this;
  delete<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<'', P>>>[]): this;
  delete(path: string, ...fns: AnyHandler<S>[]): this {
    this.router.delete(path, ...fns);
    return this;
  }

  /** `HEAD path` (only needed to answer HEAD differently from GET). */
  head<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<'', P>>>[]): this {
    this.router.head(path, ...fns);
    return this;
  }

  /** `OPTIONS path` (only needed to answer OPTIONS differently from the automatic 204 + Allow). */
  options<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<'', P>>>[]): this {
    this.router.options(path, ...fns);
    return this;
  }

  /** Every method at `path`. */
  all<P extends string>(path: P, ...fns: RouteHandler<S, Params<JoinPaths<'', P>>>[]): this {
    this.router.all(path, ...fns);
    return this;
  }
}
