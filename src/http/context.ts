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
import fresh from 'fresh';
import type { BodySource } from '../engine/body-source.js';
import {
  kAbort,
  kCommitted,
  kDiscard,
  kFailed,
  kFinished,
  kReply,
  kReplyError,
  type Exchange,
  type ExchangeHandler,
} from '../engine/exchange.js';
import type { Reply } from '../engine/framing.js';
import { releaseBody } from '../engine/body-stream.js';
import { createHttpError, type HttpError, type HttpErrorInit } from './http-error.js';
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
import { INSPECT, SHIM, kBody, kComplete, kMarkAborted, kMarkFinished, kShims } from './internal.js';
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
 * The request/response context passed to every middleware.
 *
 * @typeParam S - type of `ctx.state` (merged with the augmentable {@link StateMap})
 * @typeParam P - type of `ctx.params` (inferred from the route path by the router; a validator may narrow it)
 * @typeParam Q - type of `ctx.query` (a validator may narrow it)
 * @example app.use(async (ctx, next) => { const t = Date.now(); await next(); ctx.set('x-ms', String(Date.now() - t)) })
 */
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
  /** The logger for this request (a pino child once the logger middleware runs). */
  log: Logger;
  /** Whether the connection is TLS. */
  readonly encrypted: boolean;
  /** Peer address, or `''` when unknown (inject). */
  readonly remoteAddress: string;
  /** Whether the status line and headers were written: the response can no longer change. */
  headerSent: boolean;
  readonly #exchange: Exchange;
  #abort: AbortController | null = null;
  #cookies: Cookies | null = null;
  #req: IncomingMessageShim | null = null;
  #res: ServerResponseShim | null = null;
  /**
   * The pattern of the route that matched (`/user/:id`), set by the router that routed the request,
   * or null. A router's fallback reads it: a 404 from a matched route is that route's answer.
   */
  routePath: string | null;
  /** Renders error responses for this request instead of the default problem+json; see {@link ErrorRenderer}. */
  errorRenderer: ErrorRenderer | null;

  constructor(app: AppLike, socket: Socket, exchange: Exchange, encrypted: boolean, remoteAddress: string) {
    super();
    this.app = app;
    this.socket = socket;
    this.#exchange = exchange;
    this.request = new Request(this, exchange.head);
    this.response = new Response(this);
    this.state = {} as S & StateMap;
    this.params = {} as P;
    this.respond = true;
    this.log = app.log;
    this.encrypted = encrypted;
    this.remoteAddress = remoteAddress;
    this.headerSent = false;
    this.routePath = null;
    this.errorRenderer = null;
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
    return toReply(this.response, this);
  }

  [kReplyError](err: unknown): Reply {
    this.app.onError(err, this);
    return errorReply(this.response, err, this);
  }

  [kCommitted](): void {
    this.headerSent = true;
  }

  [kFinished](): void {
    this.#res?.[kMarkFinished]();
  }

  [kDiscard](): void {
    releaseBody(this.response.body);
  }

  [kFailed](err: unknown, clientGone: boolean): void {
    // A stream that ends because the client left (the socket closed, or ctx.signal fired on its FIN
    // and the handler — an SSE feed, say — destroyed the source) is not a server error.
    if (clientGone || this.#abort?.signal.aborted === true)
      this.log.debug({ err }, 'response stream ended after the client left');
    else this.app.onError(err, this);
    this.#res?.[kMarkAborted]();
  }

  [kAbort](reason: Error): void {
    this.#res?.[kMarkAborted]();
    if (this.#abort === null) this.#abort = new AbortController();
    if (!this.#abort.signal.aborted) this.#abort.abort(reason);
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
      return fresh(this.request.headers as Record<string, string>, this.response.headers as Record<string, string>);
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
