/**
 * The router's public types: handlers, what a lookup returns, the options, and the type-level
 * reading of a route literal that lets `ctx.params` be typed from `'/users/:id'`.
 *
 * Contract: the type-level grammar below mirrors `./path.ts` rule for rule (`:name`, `{name}`,
 * `(regex)`, `?`, `*name`, `::`); a pattern the runtime rejects may still type-check, since the
 * runtime is the one that validates.
 */
import type { Next } from '../http/compose.js';
import type { Context } from '../http/context.js';
import type { RouteInfo } from './route-info.js';

/**
 * A route handler or route middleware; a returned value other than `undefined` becomes the body.
 *
 * @example
 * const show: RouteHandler<{}, { id: string }> = (ctx) => ({ id: ctx.params.id })
 */
export type RouteHandler<S extends object, P extends Record<string, string>> = (
  ctx: Context<S, P>,
  next: Next,
) => unknown;

/**
 * Middleware given to `router.use()`: runs for routes of the router; its return value is ignored.
 *
 * @example
 * const auth: RouterMiddleware<{}> = (ctx, next) => (ctx.get('authorization') ? next() : ctx.throw(401))
 */
export type RouterMiddleware<S extends object, P extends Record<string, string> = Record<string, string>> = (
  ctx: Context<S, P>,
  next: Next,
) => unknown;

/**
 * What `routes()` returns: the router as middleware, with the hooks an app calls on it.
 *
 * @example
 * const mw = router.routes()
 * app.use(mw)
 * mw.list() // the same as router.list()
 */
export type RoutesMiddleware<S extends object> = RouterMiddleware<S> & {
  /** Builds and freezes the route table; the app calls it when it starts serving. */
  prepare(): void;
  /** The router's `list()`, so an app can list the routers in its stack. */
  list(): RouteInfo[];
  /** Whether it routes WebSocket upgrades (`ws()` routes): the app then sends them through its stack. */
  acceptsWebSockets(): boolean;
};

/**
 * Options of `Router`. `Prefix` is the literal type of `prefix`, from which `new Router({ prefix })`
 * types the params the prefix declares.
 *
 * @example
 * const options: RouterOptions = { prefix: '/api', strict: true }
 */
export interface RouterOptions<Prefix extends string = string> {
  /**
   * Prepended to every route of this router (and of routers mounted in it). Its params are typed in
   * the router's handlers: `new Router({ prefix: '/users/:userId' })` gives them `ctx.params.userId`.
   */
  prefix?: Prefix;
  /** Match static path text case-sensitively (default true). */
  caseSensitive?: boolean;
  /** Treat a trailing slash as significant (default false). */
  strict?: boolean;
  /** Longest param value (default 100); a longer one does not match. */
  maxParamLength?: number;
}

/**
 * Options of `RadixTree`. Defaults: case-sensitive, one trailing slash optional, params of at most 100.
 *
 * @example
 * ```ts
 * const options: RadixTreeOptions = { caseSensitive: false, strict: true, maxParamLength: 200 };
 * ```
 */
export interface RadixTreeOptions {
  /** Match static text exactly (default `true`); `false` folds ASCII letters, never param values. */
  caseSensitive?: boolean;
  /** Treat `/a` and `/a/` as different routes (default `false`: one trailing slash is optional). */
  strict?: boolean;
  /**
   * Longest param value, in UTF-16 units of the still-encoded path (default 100). A longer value makes
   * that route not match, so `match` may return `null` and the caller answers 404, not find-my-way's 414:
   * backtracking may still find another route for it, and an over-long URL is already the parser's 414.
   * Wildcard tails are not limited here.
   */
  maxParamLength?: number;
}

/**
 * A successful lookup. `params` has no prototype and holds raw, still percent-encoded values.
 *
 * @example
 * ```ts
 * const m: RouteMatch<string> | null = tree.match('GET', '/users/a%20b');
 * // m.params.id === 'a%20b', m.needsDecode === true, m.path === '/users/:id'
 * ```
 */
export interface RouteMatch<T> {
  readonly value: T;
  readonly params: Record<string, string>;
  /** The pattern the route was registered with, e.g. `'/users/:id'`. */
  readonly path: string;
  /** True when some param value contains `%`, so the caller decodes only then. */
  readonly needsDecode: boolean;
}

type Chars<S extends string, Acc extends string = never> = S extends `${infer C}${infer R}` ? Chars<R, Acc | C> : Acc;
type NameChar = Chars<'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_'>;

/** `[name, rest]`: the leading name characters of `S` and what follows them. */
type TakeName<S extends string, N extends string = ''> = S extends `${infer C}${infer R}`
  ? C extends NameChar
    ? TakeName<R, `${N}${C}`>
    : [N, S]
  : [N, S];

/** `S` after the balanced `(…)` it starts with; escapes and `[…]` classes may hold parentheses. */
type SkipGroup<
  S extends string,
  Depth extends unknown[] = [],
  InClass extends boolean = false,
> = S extends `\\${infer _Escaped}${infer R}`
  ? SkipGroup<R, Depth, InClass>
  : S extends `${infer C}${infer R}`
    ? InClass extends true
      ? SkipGroup<R, Depth, C extends ']' ? false : true>
      : C extends '['
        ? SkipGroup<R, Depth, true>
        : C extends '('
          ? SkipGroup<R, [...Depth, 0]>
          : C extends ')'
            ? Depth extends [unknown, ...infer D]
              ? D extends []
                ? R
                : SkipGroup<R, D>
              : R
            : SkipGroup<R, Depth>
    : S;

/** Continue after a param name: skip its regex and `}`, and file it as required or optional. */
type AfterName<T extends [string, string], Brace extends boolean, Req extends string, Opt extends string> =
  AfterBrace<T[1] extends `(${string}` ? SkipGroup<T[1]> : T[1], Brace> extends infer Rest extends string
    ? Rest extends `?${infer R}`
      ? Scan<R, Req, Opt | T[0]>
      : Scan<Rest, Req | T[0], Opt>
    : never;

type AfterBrace<S extends string, Brace extends boolean> = Brace extends true ? (S extends `}${infer R}` ? R : S) : S;

/** Walks the pattern one character at a time (tail-recursive, so long patterns are fine). */
type Scan<P extends string, Req extends string = never, Opt extends string = never> = P extends `::${infer R}`
  ? Scan<R, Req, Opt>
  : P extends `:${infer R}`
    ? AfterName<TakeName<R>, false, Req, Opt>
    : P extends `{${infer R}`
      ? AfterName<TakeName<R>, true, Req, Opt>
      : P extends `*${infer R}`
        ? { req: Req | (R extends '' ? '*' : TakeName<R>[0]); opt: Opt }
        : P extends `${infer _C}${infer R}`
          ? Scan<R, Req, Opt>
          : { req: Req; opt: Opt };

/**
 * `O`'s properties as one plain object type. The distributive form is what makes the compiler
 * resolve it: a plain mapped alias is shown by name in hovers and errors (`Flatten<{ id: string } & {}>`,
 * measured with tsc 7), while this one is shown as `{ id: string; }`.
 */
type Flatten<O> = O extends unknown ? { [K in keyof O]: O[K] } : never;

/**
 * Every param name a route literal declares, optional ones included.
 *
 * @example
 * ```ts
 * type K = ParamKeys<'/users/:id/posts/{postId}/*rest'>; // 'id' | 'postId' | 'rest'
 * ```
 */
export type ParamKeys<P extends string> = Scan<P>['req'] | Scan<P>['opt'];

/**
 * The params object a route literal yields: required keys for params and wildcards, optional keys
 * for `:name?`, `{}` when there are none, and `Record<string, string>` for a non-literal `string`.
 *
 * @example
 * ```ts
 * type P = Params<'/:lang?/users/:id(\\d+)'>; // { id: string; lang?: string }
 * ```
 */
export type Params<P extends string> = string extends P
  ? Record<string, string>
  : Flatten<{ [K in Scan<P>['req']]: string } & { [K in Scan<P>['opt']]?: string }>;

/**
 * A prefix joined to a route with exactly one `/` between them; a route of `''` or `'/'` is the prefix.
 *
 * @example
 * ```ts
 * type J = JoinPaths<'/api/', '/users/:id'>; // '/api/users/:id'
 * ```
 */
export type JoinPaths<A extends string, B extends string> = B extends '' | '/'
  ? A extends ''
    ? '/'
    : A
  : A extends `${infer H}/`
    ? B extends `/${infer T}`
      ? `${H}/${T}`
      : `${A}${B}`
    : B extends `/${string}`
      ? `${A}${B}`
      : `${A}/${B}`;
