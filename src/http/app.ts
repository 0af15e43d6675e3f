/**
 * `App`: the middleware stack, the error path, and the ways in (listen, inject).
 *
 * The stack is composed once, on the first `listen()` or `inject()`; `use()` after that throws,
 * because a stack that changes under live traffic is a bug, not a feature.
 */
import type { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { TlsOptions } from 'node:tls';
import type { LevelWithSilent, Logger, LoggerOptions } from 'pino';
import { RESOLVED, compose, type Next } from './compose.js';
import {
  Engine,
  kAttach,
  kBeforeDrain,
  kCanUpgrade,
  kHttpError,
  kRefusal,
  kRoutesUpgrade,
  kRun,
  kUpgrade,
  type EngineApp,
  type EngineOptions,
} from '../engine/engine.js';
import type { Exchange } from '../engine/exchange.js';
import type { RequestHead } from '../parser/events.js';
import { WebSocketHub, type WebSocketOptions } from './websocket.js';
import { Server, type ListenOptions } from '../engine/server.js';
import { inject, type InjectInput, type InjectResult } from '../engine/inject.js';
import { nodeCallback, type NodeHandler } from '../engine/node-callback.js';
import { toHttpError, type HttpError } from './http-error.js';
import { logError, refusal, registeredError } from './error-path.js';
import { Context, asError, type ContextKinds, type DefaultState } from './context.js';
import { asyncHooksOf, pinoOf, utilOf } from './deferred-modules.js';
import { Request } from './request.js';
import { Response } from './response.js';
import { INSPECT, RESPONSE_STARTED, SHIM, kComplete, kSettle, kShims, kStarted, kWebSockets } from './internal.js';

/**
 * A middleware: `(ctx, next)`. Await `next()` to run the rest of the stack.
 *
 * @example const timing: Middleware = async (ctx, next) => { const t = performance.now(); await next(); ctx.set('server-timing', `app;dur=${performance.now() - t}`) }
 */
export type Middleware<S extends object = DefaultState, P extends Record<string, string> = Record<string, string>> = (
  ctx: Context<S, P>,
  next: Next,
) => unknown;

/**
 * A middleware typed for Koa (`koa`'s `Middleware`, as `@koa/*` and `koa-*` packages declare
 * theirs): `use()` takes it as it is, and at run time it gets shallot's Context, which is Koa's API.
 *
 * @example app.use(koaEtag())
 */
export type KoaMiddleware = (ctx: never, next: () => Promise<unknown>) => unknown;

/** Options of {@link App}. */
export interface AppOptions extends EngineOptions {
  /** `process.env.NODE_ENV` or `'development'` (an empty string counts as unset, as in Koa). */
  env?: string;
  /**
   * Composes the stack (Koa's `compose` option), e.g. to trace each middleware. Default: shallot's
   * {@link compose}, whose synchronous fast path a custom one does not get.
   */
  compose?: (middleware: Middleware[]) => (ctx: Context) => Promise<unknown>;
  /**
   * Keep each request's context in an `AsyncLocalStorage` (`true`, or your own instance), so that
   * code without `ctx` at hand reads it from `app.currentContext`, as Koa 3. Costs one
   * `storage.run()` per request, so it is off by default.
   */
  asyncLocalStorage?: boolean | AsyncLocalStorage<Context>;
  /** Keys for signed cookies, newest first (rotation: older keys still verify). */
  keys?: string[];
  /** Trust `X-Forwarded-*` headers (only behind a proxy you control). */
  proxy?: boolean;
  /** Header carrying the client address when `proxy` (default `x-forwarded-for`). */
  proxyIpHeader?: string;
  /** At most this many addresses are read from `proxyIpHeader` (0: all). */
  maxIpsCount?: number;
  /** Koa's `subdomainOffset` (default 2). */
  subdomainOffset?: number;
  /** A pino logger, pino options, or `false` for silence. Default: `info`, silent under test runners. */
  logger?: Logger | LoggerOptions | false;
  /** Serve HTTPS with these `node:tls` options (key, cert, …). */
  tls?: TlsOptions;
  /** Limits of the app's WebSockets (`app.ws()`, `ctx.upgrade()`); see docs/websockets.md. */
  ws?: WebSocketOptions;
}

/**
 * Whether `head` asks for a WebSocket: GET with `Upgrade: websocket` (RFC 6455 §4.1; compared as
 * `ws` compares it, so that what the stack accepts `ws` accepts too).
 */
function asksForWebSocket(head: RequestHead): boolean {
  return head.method === 'GET' && head.get('upgrade')?.toLowerCase() === 'websocket';
}

/**
 * A shallot application.
 *
 * @example
 * const app = new App()
 * app.use((ctx) => { ctx.body = { message: 'Hello, world!' } })
 * app.listen(8006)
 */
export class App<S extends object = DefaultState> extends EventEmitter implements EngineApp {
  readonly env: string;
  keys: string[] | undefined;
  proxy: boolean;
  proxyIpHeader: string;
  maxIpsCount: number;
  subdomainOffset: number;
  /**
   * The logger given, or the pino made from the pino options given; null until first read when the
   * app makes its own default one (see {@link log}).
   */
  #log: Logger | null;
  /** The level of the app's own default logger. */
  readonly #defaultLevel: LevelWithSilent;
  /** The options the app was created with. */
  readonly settings: AppOptions;
  /** Koa's `app.silent`: the default {@link onerror} logs nothing. */
  silent: boolean;
  /**
   * The prototype of this app's contexts (Koa's `app.context`): what is added here is on every
   * `ctx` of this app, and of no other. Type it by augmenting `ContextExtensions`.
   *
   * @example app.context.db = db // then, in any middleware: ctx.db
   */
  readonly context: Context<S>;
  /** The prototype of this app's `ctx.request` objects (Koa's `app.request`). */
  readonly request: Request<Context<S>>;
  /** The prototype of this app's `ctx.response` objects (Koa's `app.response`). */
  readonly response: Response<Context<S>>;
  /** The storage behind {@link currentContext}, with the `asyncLocalStorage` option; else null. */
  readonly ctxStorage: AsyncLocalStorage<Context<S>> | null;
  readonly #stack: Middleware<S>[] = [];
  #fn: ((ctx: Context<S>) => Promise<unknown>) | null = null;
  readonly #Context: typeof Context<S>;
  readonly #kinds: ContextKinds;
  /** Some middleware in the stack routes WebSocket upgrades (`acceptsWebSockets()`); known once composed. */
  #routesWebSockets = false;
  #hub: WebSocketHub | null = null;

  constructor(options: AppOptions = {}) {
    super();
    this.settings = options;
    // Per-app subclasses, as Koa's per-app prototypes: every context still has one fixed shape.
    class AppContext extends Context<S> {}
    class AppRequest extends Request<Context> {}
    class AppResponse extends Response<Context> {}
    this.#Context = AppContext;
    this.#kinds = { Request: AppRequest, Response: AppResponse };
    this.context = AppContext.prototype;
    this.request = AppRequest.prototype as Request<Context<S>>;
    this.response = AppResponse.prototype as Response<Context<S>>;
    const als = options.asyncLocalStorage;
    this.ctxStorage =
      als === undefined || als === false
        ? null
        : ((als === true ? new (asyncHooksOf().AsyncLocalStorage)() : als) as AsyncLocalStorage<Context<S>>);
    this.silent = false;
    this.env = options.env || process.env['NODE_ENV'] || 'development';
    this.keys = options.keys;
    this.proxy = options.proxy ?? false;
    this.proxyIpHeader = options.proxyIpHeader ?? 'x-forwarded-for';
    this.maxIpsCount = options.maxIpsCount ?? 0;
    this.subdomainOffset = options.subdomainOffset ?? 2;
    const opt = options.logger;
    const underTest = process.env['VITEST'] !== undefined || process.env['NODE_ENV'] === 'test';
    this.#defaultLevel = opt === false || underTest ? 'silent' : 'info';
    this.#log =
      opt === undefined || opt === false
        ? null
        : typeof (opt as Logger).child === 'function'
          ? (opt as Logger)
          : pinoOf().pino({ level: this.#defaultLevel, ...(opt as LoggerOptions) });
  }

  /**
   * The root logger: the `logger` option's, or a pino logger (level `info`, silent under test
   * runners or with `logger: false`). That default one is made, and pino loaded, when first read:
   * a request that logs nothing never reads it (bench/README.md, "Cold start").
   */
  get log(): Logger {
    return (this.#log ??= pinoOf().pino({ level: this.#defaultLevel }));
  }

  /**
   * Adds a middleware to the stack.
   *
   * @throws {TypeError} if `fn` is not a function, or the app already started serving
   * @example app.use(async (ctx, next) => { await next(); ctx.set('x-frame-options', 'DENY') })
   */
  use(fn: Middleware<S>): this;
  use(fn: KoaMiddleware): this;
  use(fn: Middleware<S> | KoaMiddleware): this {
    if (typeof fn !== 'function') throw new TypeError('app.use() requires a middleware function');
    if (this.#fn !== null)
      throw new TypeError('app.use() after the app started serving: add middleware before listen()/inject()');
    this.#stack.push(fn as Middleware<S>);
    return this;
  }

  /** The stack, in order (Koa's `app.middleware`: koa-mount composes a mounted app's from it). */
  get middleware(): readonly Middleware<S>[] {
    return this.#stack;
  }

  /** The context of the request being handled, with the `asyncLocalStorage` option (Koa 3); else undefined. */
  get currentContext(): Context<S> | undefined {
    return this.ctxStorage?.getStore();
  }

  /** Koa's summary of the settings: `{ subdomainOffset, proxy, env }`. */
  toJSON(): { subdomainOffset: number; proxy: boolean; env: string } {
    return { subdomainOffset: this.subdomainOffset, proxy: this.proxy, env: this.env };
  }

  /** `util.inspect(app)` shows the summary. */
  [INSPECT](): { subdomainOffset: number; proxy: boolean; env: string } {
    return this.toJSON();
  }

  /** The composed stack (composing it on first call). */
  #composed(): (ctx: Context<S>) => Promise<unknown> {
    if (this.#fn === null) {
      // A middleware may carry `prepare()` (a router builds its table there): run it once, now,
      // so setup mistakes surface from listen()/inject() rather than from the first request.
      for (const fn of this.#stack) (fn as { prepare?: () => void }).prepare?.();
      // A middleware that routes WebSocket upgrades says so (a router with `ws()` routes): only
      // then does the engine send upgrade requests through the stack (see [kRoutesUpgrade]).
      this.#routesWebSockets = this.#stack.some(
        (fn) => (fn as { acceptsWebSockets?: () => boolean }).acceptsWebSockets?.() === true,
      );
      // Koa's rule: app.onerror listens to 'error' unless the app has listeners of its own. Through
      // a closure, so that an `app.onerror` assigned later is the one called.
      if (this.listenerCount('error') === 0) this.on('error', (err: unknown, ctx?: object) => this.onerror(err, ctx));
      const custom = this.settings.compose;
      this.#fn =
        custom === undefined
          ? compose(this.#stack)
          : (custom(this.#stack as Middleware[]) as (ctx: Context<S>) => Promise<unknown>);
    }
    return this.#fn;
  }

  /**
   * Starts an HTTP (or HTTPS, with `tls`) server.
   *
   * @example const server = app.listen(8006, '127.0.0.1', () => console.log('ready')); await server.close()
   */
  listen(port?: number | ListenOptions, host?: string | (() => void), callback?: () => void): Server {
    this.#composed();
    const opts: ListenOptions = typeof port === 'object' ? { ...port } : { port };
    if (typeof host === 'function') callback = host;
    else if (host !== undefined) opts.host = host;
    const tls = opts.tls ?? this.settings.tls;
    const engine = new Engine(this, this.settings);
    const server = new Server(engine, tls, opts.signals === true, opts.port ?? 0, opts.host);
    if (callback !== undefined) server.once('listening', callback);
    return server;
  }

  /**
   * Runs the real connection engine over an in-memory duplex: raw bytes (pipelined or malformed)
   * or a request object in, every response out. No socket, no port.
   *
   * @example const { responses } = await app.inject({ method: 'GET', url: '/' }); responses[0].json()
   */
  inject(input: InjectInput): Promise<InjectResult> {
    this.#composed();
    return inject(new Engine(this, this.settings), input);
  }

  /**
   * A `(req, res)` handler for `node:http`, `node:https` and `node:http2`'s compatibility API: the
   * same stack and Context, on the requests Node's server parsed (HTTP/2 included, which `listen()`
   * does not speak). Node owns those connections: their framing, keep-alive, `100 Continue` and
   * timeouts are its own.
   *
   * @example
   * await supertest(app.callback()).get('/').expect(200)
   * http2.createSecureServer({ key, cert, allowHTTP1: true }, app.callback()).listen(8443)
   */
  callback(): NodeHandler {
    this.#composed();
    return nodeCallback(this, this.settings);
  }

  /** Gives an exchange of the engine its context. */
  [kAttach](ex: Exchange, socket: Socket): void {
    ex.handler = new this.#Context(this, socket, ex, this.#kinds);
  }

  /** Runs the stack for one exchange; its context completes it. */
  [kRun](ex: Exchange): void {
    const ctx = ex.handler as Context<S>;
    const storage = this.ctxStorage;
    const done = storage === null ? this.#fn!(ctx) : storage.run(ctx, this.#fn!, ctx);
    // A stack that finished synchronously (a sync handler, the common case) is complete now: an
    // `await` would cost an async frame and a microtask per request for nothing.
    if (done === RESOLVED && ctx.respond) {
      if (!ctx[kComplete](null)) ctx[kSettle](null);
    } else void this.#run(ctx, done);
  }

  async #run(ctx: Context<S>, done: Promise<unknown>): Promise<void> {
    let error: Error | null = null;
    try {
      await done;
      if (!ctx.respond && (ctx[kShims] & SHIM.RES) !== 0 && !ctx.res[kStarted]) {
        // `ctx.respond = false`: the handler writes through ctx.res; its first write starts the response.
        await new Promise((resolve) => ctx.res.once(RESPONSE_STARTED, resolve));
      }
    } catch (err) {
      error = asError(err);
    }
    ctx[kSettle](error);
  }

  /** The engine's errors, by registered code. */
  [kHttpError](code: string, message: string): HttpError {
    return registeredError(code, message);
  }

  /** The bytes of the engine's own early answers, rendered by the one error path. */
  [kRefusal](err: Error, head: boolean): string {
    return refusal(toHttpError(err), head);
  }

  /** Whether anyone listens for upgrades. */
  [kCanUpgrade](): boolean {
    return this.listenerCount('upgrade') > 0;
  }

  /**
   * Whether the stack answers this upgrade request. The rule: a WebSocket upgrade (GET with
   * `Upgrade: websocket`) to an app whose stack routes WebSockets goes through the stack, like any
   * request; every other upgrade (another protocol, CONNECT, or any upgrade to an app without
   * WebSocket routes) goes to the `upgrade` listeners, or is refused with 426 (501) without one.
   */
  [kRoutesUpgrade](head: RequestHead): boolean {
    return this.#routesWebSockets && asksForWebSocket(head);
  }

  /** The app's WebSockets (made on first use), with the `ws` options. */
  get [kWebSockets](): WebSocketHub {
    return (this.#hub ??= new WebSocketHub(this.settings.ws, this.log));
  }

  /** Hands an upgraded socket to the `upgrade` listeners, as node:http does. */
  [kUpgrade](ex: Exchange, socket: Socket, head: Buffer): void {
    this.emit('upgrade', (ex.handler as Context).req, socket, head);
  }

  /**
   * Before a server of this app drains: every middleware of the stack that carries
   * `beforeDrain()` (as `health()` does) is called, and the drain waits for all of them.
   */
  [kBeforeDrain](): Promise<void> {
    const waits = this.#stack.map((fn) => (fn as { beforeDrain?: () => unknown }).beforeDrain?.());
    return Promise.all(waits).then(() => undefined);
  }

  /**
   * Koa's `app.onerror(err)`, the default listener of the app's `error` event, which every error a
   * request ends with reaches once (`ctx`: its context). It logs on the request's logger — 5xx at
   * `error`, 4xx at `info`, a client's socket error at `debug` — unless {@link silent}. As in Koa,
   * it listens only if the app has no `error` listener of its own when it starts serving: replace
   * it, or add a listener, to report elsewhere.
   *
   * @throws {TypeError} for a non-Error, as Koa
   * @example app.onerror = (err) => sentry.captureException(err)
   */
  onerror(err: unknown, ctx?: object): void {
    if (!(err instanceof Error) && Object.prototype.toString.call(err) !== '[object Error]') {
      throw new TypeError(utilOf().format('non-error thrown: %j', err));
    }
    if (this.silent) return;
    logError((ctx as { log?: Logger } | undefined)?.log ?? this.log, err);
  }
}
