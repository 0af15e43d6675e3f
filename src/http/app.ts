/**
 * `App`: the middleware stack, the error path, and the ways in (listen, inject).
 *
 * The stack is composed once, on the first `listen()` or `inject()`; `use()` after that throws,
 * because a stack that changes under live traffic is a bug, not a feature.
 */
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { TlsOptions } from 'node:tls';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { RESOLVED, compose, type Next } from './compose.js';
import {
  Engine,
  kAttach,
  kCanUpgrade,
  kHttpError,
  kRefusal,
  kRun,
  kUpgrade,
  type EngineApp,
  type EngineOptions,
} from '../engine/engine.js';
import type { Exchange } from '../engine/exchange.js';
import { Server, type ListenOptions } from '../engine/server.js';
import { inject, type InjectInput, type InjectResult } from '../engine/inject.js';
import { toHttpError, type HttpError } from './http-error.js';
import { refusal, registeredError, report } from './error-path.js';
import { Context, type DefaultState } from './context.js';
import { RESPONSE_STARTED, SHIM, kComplete, kShims, kStarted } from './internal.js';

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
  /** `process.env.NODE_ENV` or `'development'`. */
  env?: string;
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
  /** The root logger. */
  readonly log: Logger;
  /** The options the app was created with. */
  readonly settings: AppOptions;
  readonly #stack: Middleware<S>[] = [];
  #fn: ((ctx: Context<S>) => Promise<void>) | null = null;

  constructor(options: AppOptions = {}) {
    super();
    this.settings = options;
    this.env = options.env ?? process.env['NODE_ENV'] ?? 'development';
    this.keys = options.keys;
    this.proxy = options.proxy ?? false;
    this.proxyIpHeader = options.proxyIpHeader ?? 'x-forwarded-for';
    this.maxIpsCount = options.maxIpsCount ?? 0;
    this.subdomainOffset = options.subdomainOffset ?? 2;
    this.log = makeLogger(options.logger);
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

  /** The composed stack (composing it on first call). */
  #composed(): (ctx: Context<S>) => Promise<void> {
    if (this.#fn === null) {
      // A middleware may carry `prepare()` (a router builds its table there): run it once, now,
      // so setup mistakes surface from listen()/inject() rather than from the first request.
      for (const fn of this.#stack) (fn as { prepare?: () => void }).prepare?.();
      this.#fn = compose(this.#stack);
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

  /** Gives an exchange of the engine its context. */
  [kAttach](ex: Exchange, socket: Socket, encrypted: boolean, remoteAddress: string): void {
    ex.handler = new Context(this, socket, ex, encrypted, remoteAddress);
  }

  /** Runs the stack for one exchange; its context completes it. */
  [kRun](ex: Exchange): void {
    const ctx = ex.handler as Context<S>;
    const done = this.#fn!(ctx);
    // A stack that finished synchronously (a sync handler, the common case) is complete now: an
    // `await` would cost an async frame and a microtask per request for nothing.
    if (done === RESOLVED && ctx.respond) ctx[kComplete](null);
    else void this.#run(ctx, done);
  }

  async #run(ctx: Context<S>, done: Promise<void>): Promise<void> {
    let error: unknown = null;
    try {
      await done;
      if (!ctx.respond && (ctx[kShims] & SHIM.RES) !== 0 && !ctx.res[kStarted]) {
        // `ctx.respond = false`: the handler writes through ctx.res; its first write starts the response.
        await new Promise((resolve) => ctx.res.once(RESPONSE_STARTED, resolve));
      }
    } catch (err) {
      error = err ?? new Error('A middleware threw a nullish value');
    }
    if (!ctx[kComplete](error) && error !== null) {
      // The response already started (a raw write with `respond = false`). Unless it was ended, its
      // stream fails with the error, and the engine does what it does with any failing body: a 500
      // if its head has not been written yet, else the connection is cut once the responses before
      // it are out — reporting the error once, either way.
      const body = ctx.response.body;
      if (!ctx.res.writableEnded && body instanceof Readable && !body.destroyed) body.destroy(error as Error);
      else this.onError(error, ctx as Context);
    }
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

  /** Hands an upgraded socket to the `upgrade` listeners, as node:http does. */
  [kUpgrade](ex: Exchange, socket: Socket, head: Buffer): void {
    this.emit('upgrade', (ex.handler as Context).req, socket, head);
  }

  /**
   * The error path's reporting half (error-path.ts `report`): emit `error` on the app (when anyone listens) and log
   * — 5xx at `error`, 4xx at `info` — once.
   */
  onError(err: unknown, ctx: Context): void {
    report(this, ctx.log, err, ctx);
  }
}

function makeLogger(opt: AppOptions['logger']): Logger {
  if (opt === false) return pino({ level: 'silent' });
  if (opt !== undefined && typeof (opt as Logger).child === 'function') return opt as Logger;
  const underTest = process.env['VITEST'] !== undefined || process.env['NODE_ENV'] === 'test';
  return pino({ level: underTest ? 'silent' : 'info', ...(opt as LoggerOptions | undefined) });
}
