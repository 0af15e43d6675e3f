/**
 * `ctx`: one request/response exchange. Koa's documented delegates are explicit getters here (no
 * `delegates` prototype chains), every field is initialised in the constructor so all contexts
 * share one hidden class, and costly members (cookies, `req`/`res` stand-ins, the abort signal)
 * are created on first use: a plain `GET /` allocates the context, its request and response, and
 * nothing else.
 */
import { createRequire } from 'node:module';
import type Cookies from 'cookies';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { freshOf, utilOf } from './deferred-modules.js';
import type { BodySource } from '../engine/body-source.js';
import {
  kAbort,
  kCommitted,
  kDiscard,
  kFailed,
  kFinished,
  kHandOver,
  kReply,
  kReplyError,
  kSocketError,
  type Exchange,
  type ExchangeHandler,
} from '../engine/exchange.js';
import type { Reply } from '../engine/framing.js';
import { releaseBody } from '../engine/body-stream.js';
import { createHttpError, type HttpError, type HttpErrorInit } from './http-error.js';
import { errorFor } from './errors.js';
import { Request } from './request.js';
import { Response, type OutgoingHeaders } from './response.js';
import { IncomingMessageShim, ServerResponseShim } from './compat.js';
import type { AppLike } from './app-like.js';
import type { ParsedQuery } from './query.js';
import { toReply } from './respond.js';
import { errorReply, type RenderedError } from './error-path.js';
import { REDIRECT_STATUSES } from '../engine/status.js';
import { encodeUrl, escapeHtml } from './header-value.js';
import { TEXT_HTML, TEXT_PLAIN } from './media-types.js';
import {
  INSPECT,
  SHIM,
  kBody,
  kComplete,
  kMarkAborted,
  kMarkFinished,
  kOnerror,
  kDefaultError,
  kRawDiscard,
  kRawReply,
  kRawSettle,
  kReleaseKept,
  kSettle,
  kShims,
  kStarted,
  kWebSockets,
} from './internal.js';
import { Delegates } from './delegates.js';

/**
 * The `cookies` package loads `node:http` at require time (for `OutgoingMessage`), which shallot
 * otherwise never loads: it is required on the first `ctx.cookies`, not at startup.
 */
const requireCjs = createRequire(import.meta.url);
let CookiesClass: typeof Cookies | null = null;

/**
 * Renders the body of an error response in place of the default problem+json. The one error path
 * calls `ctx.errorRenderer` for every error a request ends with — a thrown error, a body that
 * cannot be serialised, and the 404 of a request nothing answered (code `ERR_NOT_FOUND`) — after
 * it reset the response headers, applied `err.headers` and set `ctx.status = err.status`. Headers
 * the renderer sets are sent; returning `undefined` keeps the default problem+json. It must not
 * throw (a renderer that does is logged and the default is sent) and it is synchronous, because
 * it runs as the response is written. Set it from a middleware (`errorHandler()` does) so it
 * applies to the requests that middleware sees.
 *
 * @example app.use((ctx, next) => { ctx.errorRenderer = (err) => ({ type: 'text/plain', body: err.expose ? err.message : 'Oops' }); return next() })
 */
export type ErrorRenderer = (err: HttpError, ctx: Context) => RenderedError | undefined;

/**
 * Augment this interface to type `ctx.state` for every app at once.
 *
 * @example declare module 'shallot' { interface StateMap { user?: { id: string } } }
 */
export interface StateMap {}

/**
 * The default `S` of an app and a middleware: no state of its own (`ctx.state` is then just the
 * {@link StateMap}). `{}` rather than `StateMap` so that a middleware written without a state type
 * fits any app, whatever its `S`.
 */
export type DefaultState = {};

/**
 * Augment this interface to type what a plugin adds to every context through `app.context`
 * (Koa's extension point): the members then exist on `ctx` in every middleware.
 *
 * @example declare module 'shallot' { interface ContextExtensions { db: Db } } // then: app.context.db = db; ctx.db.query(…)
 */
export interface ContextExtensions {}

/** The classes an app's contexts are made of: its own subclasses, so `app.context.x = …` reaches only its contexts. */
export interface ContextKinds {
  readonly Request: new (ctx: Context, head: Exchange['head']) => Request<Context>;
  readonly Response: new (ctx: Context) => Response<Context>;
}

/** A `ctx.upgrade()` in progress: its promise, and the socket once open. */
interface Upgrading {
  readonly promise: Promise<WebSocket>;
  readonly resolve: (ws: WebSocket) => void;
  readonly reject: (err: Error) => void;
  ws: WebSocket | null;
}

/** A valid Sec-WebSocket-Key: 16 bytes, base64 (RFC 6455 §4.1). */
const WS_KEY = /^[+/0-9A-Za-z]{21}[AQgw]==$/;

/** 1001 Going Away: the server is shutting down (RFC 6455 §7.4.1). */
const GOING_AWAY = 1001;

/** `ctx.onerror` as an application sets it (Koa's signature): `this` is the context. */
export type OnError = (this: Context, err: unknown) => void;

/**
 * Koa's rule for what a middleware throws: an Error (of any realm) as it is, anything else
 * wrapped as `non-error thrown: <value as JSON>`.
 *
 * @example asError('oops').message // 'non-error thrown: "oops"'
 */
export function asError(err: unknown): Error {
  if (err instanceof Error || Object.prototype.toString.call(err) === '[object Error]') return err as Error;
  return new Error(utilOf().format('non-error thrown: %j', err));
}

/** The default `ctx.onerror` (see `Context.onerror`). */
function defaultOnerror(this: Context, err: unknown): void {
  if (err === null || err === undefined) return;
  this[kDefaultError](asError(err));
}

/**
 * The request/response context passed to every middleware.
 *
 * @typeParam S - type of `ctx.state` (merged with the augmentable {@link StateMap})
 * @typeParam P - type of `ctx.params` (inferred from the route path by the router; a validator may narrow it)
 * @typeParam Q - type of `ctx.query` (a validator may narrow it)
 * @example app.use(async (ctx, next) => { const t = Date.now(); await next(); ctx.set('x-ms', String(Date.now() - t)) })
 */
// The class merges with this interface, so that augmenting {@link ContextExtensions} types `ctx`.
export interface Context<
  S extends object = DefaultState,
  P extends object = Record<string, string>,
  Q extends object = ParsedQuery,
> extends ContextExtensions {}

export class Context<
  S extends object = DefaultState,
  P extends object = Record<string, string>,
  Q extends object = ParsedQuery,
>
  extends Delegates
  implements ExchangeHandler
{
  readonly app: AppLike;
  readonly request: Request<this>;
  readonly response: Response<this>;
  /** The socket (TLS, TCP, or `app.inject`'s in-memory duplex). */
  readonly socket: Socket;
  /** Per-request state for middleware to share: the app's `S` plus every augmentation of {@link StateMap}. */
  state: S & StateMap;
  /** Route params; filled in by the router. */
  params: P;
  /** Set `false` to write the response yourself through `ctx.res` (Koa's escape hatch). */
  respond: boolean;
  /** Whether the status line and headers were written: the response can no longer change. */
  headerSent: boolean;
  readonly #exchange: Exchange;
  #abort: AbortController | null = null;
  /** Set through {@link log}; null: the app's logger, read only when something logs. */
  #log: Logger | null = null;
  #cookies: Cookies | null = null;
  #req: IncomingMessageShim | null = null;
  #res: ServerResponseShim | null = null;
  #onerror: ((err: unknown) => void) | null = null;
  /** The error last given to the app's own `ctx.onerror`, so the engine does not give it again. */
  #handled: unknown = null;
  /** The error last reported: each is reported once, whichever path meets it again. */
  #reported: unknown = null;
  /** An error response is being built ({@link kReplyError}): the default `onerror` leaves it to that. */
  #replying = false;
  /** The error the default `onerror` asked to answer with while the response was being built. */
  #errorToSend: Error | null = null;
  /** `ctx.upgrade()` was called: its promise and socket. */
  #upgrading: Upgrading | null = null;
  /**
   * The pattern of the route that matched (`/user/:id`), set by the router that routed the request,
   * or null. A router's fallback reads it: a 404 from a matched route is that route's answer.
   */
  routePath: string | null;
  /** Renders error responses for this request instead of the default problem+json; see {@link ErrorRenderer}. */
  errorRenderer: ErrorRenderer | null;

  constructor(app: AppLike, socket: Socket, exchange: Exchange, kinds: ContextKinds) {
    super();
    this.app = app;
    this.socket = socket;
    this.#exchange = exchange;
    this.request = new kinds.Request(this as Context, exchange.head) as Request<this>;
    this.response = new kinds.Response(this as Context) as Response<this>;
    this.state = {} as S & StateMap;
    this.params = {} as P;
    this.respond = true;
    this.headerSent = false;
    this.routePath = null;
    this.errorRenderer = null;
  }

  /**
   * Peer address, or `''` when unknown (inject) or once the socket closed before anything read it.
   * Read from the socket when asked, as Koa does: asking the kernel at accept, for every
   * connection, cost a native call and ~90 B of heap per connection (Node caches the answer on
   * the socket).
   */
  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  /** Whether the connection is TLS (the socket is a TLSSocket, which says so). */
  get encrypted(): boolean {
    return (this.socket as { encrypted?: boolean }).encrypted === true;
  }

  /** The request's body bytes (the engine's buffer); middleware reads them with `readBody()` or `ctx.req`. */
  get [kBody](): BodySource {
    return this.#exchange.body;
  }

  /**
   * Tells the engine the response may be written, once: `false` if that already happened (a
   * `respond = false` response starts at its first raw write, before the stack settles).
   */
  [kComplete](error: unknown): boolean {
    return this.#exchange.complete(error);
  }

  /** Which of `ctx.req` / `ctx.res` were made (bits of SHIM). */
  get [kShims](): number {
    return (this.#req === null ? 0 : SHIM.REQ) | (this.#res === null ? 0 : SHIM.RES);
  }

  // ── ExchangeHandler: how the engine asks for the response and reports on it ─────────────────
  [kReply](): Reply {
    const res = this.#res;
    if (res !== null && res[kStarted]) return res[kRawReply]();
    return toReply(this.response, this);
  }

  [kReplyError](err: unknown): Reply {
    let error = err;
    const own = this[kOnerror];
    if (own !== undefined && this.#handled !== err) {
      // Koa's contract for an application's ctx.onerror: it answers through `this.res.end()`.
      this.#replying = true;
      this.#callOwn(own, err);
      this.#replying = false;
      const res = this.#res;
      if (this.#errorToSend !== null) error = this.#errorToSend;
      else if (res !== null && res[kStarted]) {
        try {
          res[kRawSettle](undefined, null);
          return res[kRawReply]();
        } catch (rawErr) {
          error = rawErr;
        }
      }
      // It did not answer (or asked for the default): the one error response, as the default would.
      this.headerSent = false;
    }
    this.#report(error);
    return errorReply(this.response, error, this);
  }

  [kCommitted](): void {
    this.headerSent = true;
  }

  [kFinished](): void {
    this.response[kReleaseKept]();
    this.#res?.[kMarkFinished]();
  }

  [kDiscard](): void {
    releaseBody(this.response.body);
    this.response[kReleaseKept]();
    this.#res?.[kRawDiscard]();
  }

  [kFailed](err: unknown, clientGone: boolean): void {
    // A stream that ends because the client left (the socket closed, or ctx.signal fired on its FIN
    // and the handler — an SSE feed, say — destroyed the source) is not a server error.
    if (clientGone || this.#abort?.signal.aborted === true)
      this.log.debug({ err }, 'response stream ended after the client left');
    else this.#afterHead(err);
    this.#res?.[kMarkAborted]();
  }

  [kHandOver](socket: Socket, head: Buffer): void {
    const up = this.#upgrading!;
    const req = { method: this.method, url: this.url, headers: this.request.headers };
    let ws: WebSocket | null;
    try {
      ws = this.app[kWebSockets].accept(req, socket, head);
    } catch (err) {
      socket.destroy();
      up.reject(asError(err));
      return;
    }
    if (ws === null) {
      // `ws` refused the handshake (an offer it cannot parse) and answered the client itself.
      up.reject(errorFor('ERR_WEBSOCKET_HANDSHAKE', 'The WebSocket handshake was refused'));
      this.#res?.[kMarkAborted]();
      return;
    }
    up.ws = ws;
    // What the request ended with, for whoever logs it: 101, and no response of ours to come.
    this.response.status = 101;
    this.headerSent = true;
    this[kFinished]();
    up.resolve(ws);
  }

  [kAbort](reason: Error): void {
    const up = this.#upgrading;
    if (up !== null) {
      // Before the hand-over the handler is still waiting for its socket; after it, the socket is
      // told the server goes away (the engine aborts an upgraded request only at shutdown).
      if (up.ws === null) up.reject(reason);
      else if (up.ws.readyState === up.ws.OPEN) up.ws.close(GOING_AWAY, 'Server shutting down');
    }
    this.#res?.[kMarkAborted]();
    if (this.#abort === null) this.#abort = new AbortController();
    if (!this.#abort.signal.aborted) this.#abort.abort(reason);
    // The client's socket failed (a reset): Koa hands that error to ctx.onerror, and so the app's
    // `error` event; the default `app.onerror` logs it at debug.
    const cause = reason.cause;
    if (cause instanceof Error && (cause as { [kSocketError]?: boolean })[kSocketError] === true)
      this.#afterHead(cause);
  }

  /**
   * The stack settled: `error` is what it failed with (an Error; see {@link asError}), or null.
   * Completes the exchange, unless that already happened — a raw write committed the response
   * (which then gets `ctx.body` and ends, or is cut short by the error), or `ctx.onerror`
   * answered while the stack ran — and reports an error that can no longer change the response.
   */
  [kSettle](error: Error | null): void {
    if (this.#exchange.complete(error)) return;
    const res = this.#res;
    if (res !== null && res[kStarted] && res[kRawSettle](this.response.body, error)) return;
    if (error !== null) this.#afterHead(error);
  }

  /** The default ctx.onerror's work: answer with `err`, or report it if the response is committed. */
  [kDefaultError](err: Error): void {
    if (this.#replying) {
      // An application's onerror handing over to the default, while the error response is built.
      this.#errorToSend = err;
      return;
    }
    if (this.#exchange.complete(err)) return;
    this.#afterHead(err, true);
  }

  /** An error that can no longer change the response: to the application's onerror, or reported. */
  #afterHead(err: unknown, fromDefault = false): void {
    (err as { headerSent?: boolean }).headerSent = true;
    const own = this[kOnerror];
    if (own !== undefined && !fromDefault && this.#handled !== err) this.#callOwn(own, err);
    else this.#report(err);
  }

  #callOwn(own: OnError, err: unknown): void {
    this.#handled = err;
    try {
      Reflect.apply(own, this, [err]);
    } catch (ownErr) {
      this.log.error({ err: ownErr }, 'ctx.onerror threw');
      this.#report(err);
    }
  }

  /** Reports `err` once: the app's `error` event, whose default listener is `app.onerror`. */
  #report(err: unknown): void {
    if (this.#reported === err) return;
    this.#reported = err;
    try {
      this.app.emit('error', err, this);
    } catch (listenerErr) {
      this.log.error({ err: listenerErr, cause: err }, "an 'error' listener threw");
    }
  }

  /**
   * Koa's `ctx.onerror(err)`: ends the request with `err`. The default sends the one error
   * response (problem+json, or `errorRenderer`'s body) if the response was not committed yet, and
   * reports the error once through the app's `error` event (whose default listener is
   * `app.onerror`). Set your own — on `app.context` for every request, or on one `ctx` — and every
   * error the stack throws goes to it instead, with Koa's contract: `this` is the context, and it
   * answers through `this.res.end()`. One that does not answer, or calls the default it replaced,
   * gets the default response (where Koa would leave the request hanging). After the response
   * was committed it still hears the error (a failed stream, a client's socket reset), with
   * `err.headerSent` true, as in Koa. The function read from a context is bound to it, so
   * `stream.on('error', ctx.onerror)` works; `null`/`undefined` are ignored, and a non-Error is
   * wrapped (`non-error thrown: …`).
   *
   * @example const base = app.context.onerror; app.context.onerror = function (err) { audit(err); base.call(this, err) }
   */
  get onerror(): (err: unknown) => void {
    // Read on `app.context` itself (a prototype, to wrap it): the function as set, unbound.
    if (!(#onerror in this)) return (this as { [kOnerror]?: OnError })[kOnerror] ?? defaultOnerror;
    return (this.#onerror ??= (err: unknown) => {
      const own = this[kOnerror];
      if (own === undefined) Reflect.apply(defaultOnerror, this, [err]);
      else if (err !== null && err !== undefined) this.#callOwn(own, err);
    });
  }

  set onerror(fn: OnError) {
    if (typeof fn !== 'function') throw new TypeError('ctx.onerror must be a function');
    Object.defineProperty(this, kOnerror, { value: fn, writable: true, configurable: true, enumerable: false });
  }

  /** The application's own `ctx.onerror`, or undefined for the default. */
  declare readonly [kOnerror]: OnError | undefined;

  /**
   * Whether this request is a WebSocket upgrade that {@link upgrade} can accept: a GET with
   * `Upgrade: websocket` that the engine routed to the stack (the app has WebSocket routes).
   */
  get isWebSocket(): boolean {
    return this.#exchange.upgradable;
  }

  /**
   * Accepts a WebSocket upgrade: the answer to this request is the upgrade, not a response. The
   * socket opens once every response before this request is written and `ws` has sent the 101;
   * the promise then resolves with `ws`'s WebSocket, limited by the app's `ws` options
   * (`maxPayload`, `highWaterMark`, `pingInterval`). Whatever the stack does after that does not
   * reach the client as HTTP. A second call returns the same promise.
   *
   * @throws {HttpError} 426 `ERR_UPGRADE_REQUIRED` (with `Upgrade: websocket`) when the request is
   *   not a WebSocket upgrade ({@link isWebSocket}); 426 `ERR_WEBSOCKET_VERSION` for a version
   *   other than 13; 400 `ERR_WEBSOCKET_HANDSHAKE` for a missing or malformed Sec-WebSocket-Key.
   *   The promise rejects when the client leaves (or the handshake fails) before the socket opens.
   * @example app.ws('/echo', async (ctx) => { const ws = await ctx.upgrade(); ws.on('message', (m) => ws.send(m)) })
   */
  upgrade(): Promise<WebSocket> {
    if (this.#upgrading !== null) return this.#upgrading.promise;
    const ex = this.#exchange;
    if (!ex.upgradable) {
      throw errorFor('ERR_UPGRADE_REQUIRED', `${this.path} takes WebSocket connections only`, {
        headers: { upgrade: 'websocket' },
      });
    }
    const version = this.get('sec-websocket-version');
    if (version !== '13') {
      throw errorFor('ERR_WEBSOCKET_VERSION', `Unsupported WebSocket version ${JSON.stringify(version)}`, {
        headers: { upgrade: 'websocket', 'sec-websocket-version': '13' },
      });
    }
    if (!WS_KEY.test(this.get('sec-websocket-key'))) {
      throw errorFor('ERR_WEBSOCKET_HANDSHAKE', 'Missing or malformed Sec-WebSocket-Key');
    }
    let resolve!: (ws: WebSocket) => void;
    let reject!: (err: Error) => void;
    const promise = new Promise<WebSocket>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // A handler that does not await it must not crash the process when the client leaves first.
    promise.catch(() => {});
    this.#upgrading = { promise, resolve, reject, ws: null };
    if (!ex.completeUpgrade()) {
      this.#upgrading = null;
      throw new Error('ctx.upgrade() after the response was completed');
    }
    return promise;
  }

  /** Commits the head now (Koa's `ctx.flushHeaders()`): the response starts; what follows is streamed. */
  flushHeaders(): void {
    this.res.flushHeaders();
  }

  /** The body of an error response from {@link errorRenderer}, if one is set and renders one. */
  renderError(err: HttpError): RenderedError | undefined {
    const render = this.errorRenderer;
    if (render === null) return undefined;
    try {
      return render(err, this as Context);
    } catch (renderErr) {
      this.log.error({ err: renderErr }, 'error renderer failed; sent the default problem+json');
      return undefined;
    }
  }

  /**
   * The logger for this request: the app's (`app.log`) until set — the `logger()` middleware sets a
   * pino child carrying the request id. The app's is read only here, so a request that logs nothing
   * does not make it (bench/README.md, "Cold start").
   */
  get log(): Logger {
    return this.#log ?? this.app.log;
  }

  set log(log: Logger) {
    this.#log = log;
  }

  /**
   * Aborted when the client goes away before the response is complete, when the request times out
   * (reason code `ERR_REQUEST_TIMEOUT`), and — for a response still streaming, or an upgraded
   * connection — when the server begins to shut down (reason code `ERR_SERVER_CLOSING`).
   */
  get signal(): AbortSignal {
    return (this.#abort ??= new AbortController()).signal;
  }

  /**
   * Cookies, as Koa: the `cookies` package keyed with `app.keys`. `{ signed: true }` signs with the
   * first key and verifies with any of them, so keys rotate by prepending a new one; a cookie
   * signed with an older key is re-signed with the newest on read.
   *
   * @example ctx.cookies.set('sid', id, { signed: true, httpOnly: true }); ctx.cookies.get('sid', { signed: true })
   */
  get cookies(): Cookies {
    if (this.#cookies === null) {
      CookiesClass ??= requireCjs('cookies') as typeof Cookies;
      // The request side only reads `headers.cookie`: `ctx.request` serves, without creating the
      // `ctx.req` stream (which would take over the body).
      this.#cookies = new CookiesClass(this.request as never, this.res as never, {
        keys: this.app.keys,
        secure: this.request.secure,
      });
    }
    return this.#cookies;
  }

  set cookies(c: Cookies) {
    this.#cookies = c;
  }

  /** A stand-in for Node's IncomingMessage: headers, method, url, and the body as a Readable. */
  get req(): IncomingMessageShim {
    return (this.#req ??= new IncomingMessageShim(this));
  }

  /** A stand-in for Node's ServerResponse over this context's response. */
  get res(): ServerResponseShim {
    return (this.#res ??= new ServerResponseShim(this));
  }

  /**
   * Throws an {@link HttpError}, with Koa's arguments: `ctx.throw(404)`, `ctx.throw(400, 'Bad name')`,
   * `ctx.throw(403, 'No', { code: 'ERR_NO' })`, `ctx.throw(400, err)`, `ctx.throw(err)`. The message
   * of a 4xx is sent to the client; a 5xx's is not (unless `expose: true`). Extra props are copied
   * onto the error.
   *
   * @throws {HttpError} always
   * @example ctx.throw(401, 'access_denied', { user })
   */
  throw(status: number, message?: string | Error, props?: HttpErrorInit): never;
  throw(status: number, props: HttpErrorInit): never;
  throw(message: string, status?: number, props?: HttpErrorInit): never;
  throw(error: Error, props?: HttpErrorInit): never;
  throw(...args: unknown[]): never {
    throw createHttpError(...args);
  }

  /**
   * Throws `HttpError(status, message, props)` unless `value` is truthy (Koa's `http-assert`);
   * the status defaults to 500.
   *
   * @throws {HttpError} when `value` is falsy
   * @example ctx.assert(ctx.state.user, 401, 'Please log in')
   */
  assert(value: unknown, status?: number, message?: string, props?: HttpErrorInit): asserts value {
    if (!value) throw createHttpError(status ?? 500, message, props);
  }

  // ── delegates typed by the context, or needing both sides (the plain ones: delegates.ts) ────
  get querystring(): string {
    return this.request.querystring;
  }
  set querystring(v: string) {
    this.request.querystring = v;
  }
  /** The parsed query; `Q` is narrowed by a validator (`validate({ query })`), else {@link ParsedQuery}. */
  get query(): Q {
    return this.request.query as Q;
  }
  set query(v: Q) {
    this.request.query = v as ParsedQuery;
  }
  /** Whether the client's cached copy is fresh: a conditional GET/HEAD against the response's validators. */
  get fresh(): boolean {
    const method = this.request.method;
    if (method !== 'GET' && method !== 'HEAD') return false;
    const s = this.response.status;
    if ((s >= 200 && s < 300) || s === 304) {
      return freshOf()(this.request.headers as Record<string, string>, this.response.headers as Record<string, string>);
    }
    return false;
  }
  /** `!fresh`. */
  get stale(): boolean {
    return !this.fresh;
  }
  /**
   * Redirects: sets Location and a 302 unless a redirect status is already set. The URL is
   * percent-encoded where needed; the body is a short text, or HTML for a client that accepts it.
   * `'back'` is {@link back} (Koa 2's spelling).
   *
   * @example ctx.redirect('/login')
   */
  redirect(url: string, alt?: string): void {
    if (url === 'back') {
      this.back(alt);
      return;
    }
    let target = url;
    if (/^https?:\/\//i.test(url)) {
      // Normalise an absolute URL, as Koa 3: what goes out is what a browser would follow.
      try {
        target = new URL(url).toString();
      } catch {
        // Not a valid URL: send it encoded as given.
      }
    }
    const res = this.response;
    res.set('location', encodeUrl(target));
    if (!REDIRECT_STATUSES.has(res.status)) res.status = 302;
    if (this.request.accepts('html') === 'html') {
      res.type = TEXT_HTML;
      res.body = `Redirecting to ${escapeHtml(target)}.`;
      return;
    }
    res.type = TEXT_PLAIN;
    res.body = `Redirecting to ${target}.`;
  }
  /**
   * Redirects to the Referer when it is on this host (Koa 3's `ctx.back()`), else to `alt` or `/`:
   * a Referer naming another site is never followed, so this is not an open redirect.
   *
   * @example ctx.back('/dashboard')
   */
  back(alt?: string): void {
    const referrer = this.get('referrer');
    if (referrer !== '') {
      try {
        const u = new URL(referrer, this.href);
        if (u.host === this.host) {
          this.redirect(referrer);
          return;
        }
      } catch {
        // An unparseable Referer is no referrer.
      }
    }
    this.redirect(alt !== undefined && alt !== '' ? alt : '/');
  }
  /** Whether the response can still be written. */
  get writable(): boolean {
    if (this.#res !== null && this.#res.writableEnded) return false;
    return this.socket.writable !== false && !this.socket.destroyed;
  }

  /** A plain summary, as Koa's `ctx.toJSON()`. */
  toJSON(): {
    request: ReturnType<Request['toJSON']>;
    response: { status: number; message: string; header: OutgoingHeaders };
    app: Record<string, unknown>;
    originalUrl: string;
  } {
    return {
      request: this.request.toJSON(),
      response: this.response.toJSON(),
      app: { subdomainOffset: this.app.subdomainOffset, proxy: this.app.proxy, env: this.app.env },
      originalUrl: this.originalUrl,
    };
  }

  /** `util.inspect(ctx)` shows the summary, not the internals. */
  [INSPECT](): Record<string, unknown> {
    return this.toJSON();
  }
}
