/**
 * `ctx.request`: Koa's documented Request API over a parsed head. Costly views (headers object,
 * query, negotiator) are built on first use and cached.
 */
import type accepts from 'accepts';
import { acceptsOf, typeisOf } from './deferred-modules.js';
import { isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { RequestHead } from '../parser/events.js';
import { parseQuery, type ParsedQuery } from './query.js';
import { headerValue, headersObject, type IncomingHeaders } from './incoming-headers.js';
import type { AppLike } from './app-like.js';
import { INSPECT } from './internal.js';
import { parts, type Part, type PartsOptions, type UploadedFiles } from './multipart.js';

/**
 * What a Request reads of the context it belongs to: the app's proxy settings, the connection, and
 * `fresh`, which needs the response too and so is the context's.
 */
export interface RequestOwner {
  readonly app: AppLike;
  readonly socket: Socket;
  readonly encrypted: boolean;
  readonly remoteAddress: string;
  readonly fresh: boolean;
  /** Node's request (shallot's stand-in, `ctx.req`): a Readable of the body. */
  readonly req: Readable;
  readonly response: unknown;
  /** Sets a response header field (the request asks for `Connection: close` when it leaves a body unread). */
  set(field: string, value: string): void;
}

/**
 * The request side of a Context (`ctx.request`); `ctx` is its context.
 *
 * @example app.use((ctx) => { ctx.body = ctx.request.accepts('json') ? { ok: 1 } : 'ok' })
 */
export class Request<C extends RequestOwner = RequestOwner> {
  /** The context this request belongs to (Koa's `request.ctx`). */
  readonly ctx: C;
  /** The parsed request head (method, target, raw headers, framing). */
  readonly head: RequestHead;
  method: string;
  originalUrl: string;
  /** The parsed body, set by a body middleware (Koa's `ctx.request.body`). */
  body: unknown;
  /** The raw body bytes, when a body middleware was asked to keep them. */
  rawBody: Buffer | undefined;
  /** Set by the first body parser this request meets, so that a second one (yours or `body()`) does nothing. */
  bodyParsed: boolean;
  /** Files of a `multipart/form-data` body by field name, set by `body({ multipart })`; else undefined. */
  files: UploadedFiles | undefined;
  /**
   * Parses the query string for {@link query} (lazily, on first read); `null` for {@link parseQuery}.
   * Set per request by a query middleware, e.g. `query({ nested: true })`.
   */
  queryParser: ((querystring: string) => ParsedQuery) | null;
  #url: string;
  #pathEnd = -1;
  #headers: IncomingHeaders | null = null;
  #query: ParsedQuery | null = null;
  #queryOf = '';
  #accept: accepts.Accepts | null = null;
  #ip: string | null = null;
  #URL: URL | Record<string, never> | null = null;

  constructor(ctx: C, head: RequestHead) {
    this.ctx = ctx;
    this.head = head;
    this.method = head.method;
    this.originalUrl = head.target;
    this.body = undefined;
    this.rawBody = undefined;
    this.bodyParsed = false;
    this.files = undefined;
    this.queryParser = null;
    this.#url = head.target;
  }

  /** The app (Koa's `request.app`). */
  get app(): C['app'] {
    return this.ctx.app;
  }

  /** Node's request: shallot's stand-in, `ctx.req` (Koa's `request.req`). */
  get req(): C['req'] {
    return this.ctx.req;
  }

  /** The response of the same context (Koa's `request.response`). */
  get response(): C['response'] {
    return this.ctx.response;
  }

  /** Request-target as sent, or as rewritten by middleware. */
  get url(): string {
    return this.#url;
  }

  set url(v: string) {
    this.#url = v;
    this.#pathEnd = -1;
  }

  /** Lowercased header names to values, as Node's `req.headers` (built on first use). */
  get headers(): IncomingHeaders {
    return (this.#headers ??= headersObject(this.head.rawHeaders));
  }

  /** Replaces the request headers seen by `get()`, `is()`, `accepts()` and `fresh` (Koa's `request.headers=`). */
  set headers(h: IncomingHeaders) {
    this.#headers = h;
    this.#accept = null;
  }

  /** Alias of {@link headers}. */
  get header(): IncomingHeaders {
    return this.headers;
  }

  set header(h: IncomingHeaders) {
    this.headers = h;
  }

  /** A request header by case-insensitive name (`referer`/`referrer` interchangeable), or `''`. */
  get(name: string): string {
    const lower = name.toLowerCase();
    if (lower === 'referer' || lower === 'referrer') {
      const h = this.headers;
      return str(h['referrer']) || str(h['referer']);
    }
    // Until someone takes the headers object (and so may change it), the raw fields say the same.
    if (this.#headers === null) return headerValue(this.head.rawHeaders, lower);
    const v = this.#headers[lower];
    if (v === undefined) return '';
    return Array.isArray(v) ? v.join(', ') : v;
  }

  #split(): number {
    if (this.#pathEnd === -1) {
      const u = this.#url;
      const q = u.indexOf('?');
      this.#pathEnd = q === -1 ? u.length : q;
    }
    return this.#pathEnd;
  }

  /** The URL's path, e.g. `/users/42` (no query). For an absolute-form target, the path part of it. */
  get path(): string {
    const u = this.#url;
    const end = this.#split();
    if (u.charCodeAt(0) === 0x2f) return end === u.length ? u : u.slice(0, end);
    return absolutePath(u.slice(0, end));
  }

  set path(p: string) {
    const qs = this.querystring;
    this.url = qs === '' ? p : `${p}?${qs}`;
  }

  /** The raw query string without `?`. */
  get querystring(): string {
    const end = this.#split();
    return end === this.#url.length ? '' : this.#url.slice(end + 1);
  }

  set querystring(qs: string) {
    const p = this.path;
    this.url = qs === '' ? p : `${p}?${qs.startsWith('?') ? qs.slice(1) : qs}`;
  }

  /** `?` plus the query string, or `''`. */
  get search(): string {
    const qs = this.querystring;
    return qs === '' ? '' : `?${qs}`;
  }

  set search(s: string) {
    this.querystring = s;
  }

  /**
   * The parsed query (`a=1&a=2` → `{ a: ['1', '2'] }`), computed on first use with
   * {@link queryParser} (default {@link parseQuery}); prototype-less.
   */
  get query(): ParsedQuery {
    const qs = this.querystring;
    if (this.#query === null || this.#queryOf !== qs) {
      this.#query = (this.queryParser ?? parseQuery)(qs);
      this.#queryOf = qs;
    }
    return this.#query;
  }

  /** Rewrites the query string from `obj` (Koa), and keeps `obj` itself as the parsed query. */
  set query(obj: ParsedQuery) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(obj)) {
      if (Array.isArray(v)) for (const x of v) q.append(k, String(x));
      else if (v !== undefined) q.append(k, String(v));
    }
    this.querystring = q.toString();
    // As set, not re-parsed: a validator's typed values (numbers, nested objects) stay what they are.
    this.#query = obj;
    this.#queryOf = this.querystring;
  }

  /** The socket (a `net.Socket`, `tls.TLSSocket`, or the in-memory duplex of `app.inject`). */
  get socket(): Socket {
    return this.ctx.socket;
  }

  /** `https` on a TLS socket (or `X-Forwarded-Proto` when `app.proxy`), else `http`. */
  get protocol(): string {
    if (this.ctx.encrypted) return 'https';
    if (!this.ctx.app.proxy) return 'http';
    const proto = this.get('x-forwarded-proto');
    return proto === '' ? 'http' : proto.split(/\s*,\s*/, 1)[0]!.toLowerCase();
  }

  /** `protocol === 'https'`. */
  get secure(): boolean {
    return this.protocol === 'https';
  }

  /** Host and port (`X-Forwarded-Host` when `app.proxy`); the authority of an absolute-form target wins. */
  get host(): string {
    let host = this.ctx.app.proxy ? this.get('x-forwarded-host').split(/\s*,\s*/, 1)[0]! : '';
    if (host === '') {
      const t = this.head.target;
      if (t.charCodeAt(0) !== 0x2f && t !== '*') {
        const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]+)/.exec(t);
        host = m === null ? t : m[1]!;
      }
    }
    return host !== '' ? host : this.get('host');
  }

  /** {@link host} without the port (IPv6 literals keep their brackets). */
  get hostname(): string {
    const host = this.host;
    if (host === '') return '';
    if (host.charCodeAt(0) === 0x5b) {
      const close = host.indexOf(']');
      return close === -1 ? host : host.slice(0, close + 1);
    }
    const colon = host.indexOf(':');
    return colon === -1 ? host : host.slice(0, colon);
  }

  /** The `Origin` request header, or null (Koa 3; Koa 2's `protocol://host` is `${ctx.protocol}://${ctx.host}`). */
  get origin(): string | null {
    const o = this.get('origin');
    return o === '' ? null : o;
  }

  /** The full URL: `protocol://host` + `originalUrl` (or the absolute-form target as sent). */
  get href(): string {
    if (/^https?:\/\//i.test(this.originalUrl)) return this.originalUrl;
    return `${this.protocol}://${this.host}${this.originalUrl}`;
  }

  /** A WHATWG `URL` of {@link href} (parsed once), or an empty object when it does not parse. */
  get URL(): URL | Record<string, never> {
    if (this.#URL === null) {
      try {
        this.#URL = new URL(this.href);
      } catch {
        this.#URL = Object.create(null) as Record<string, never>;
      }
    }
    return this.#URL;
  }

  /** Client address; with `app.proxy`, the first of {@link ips}. Settable, as Koa (e.g. by a trusted-proxy middleware). */
  get ip(): string {
    return (this.#ip ??= this.ips[0] || this.ctx.remoteAddress);
  }

  set ip(v: string) {
    this.#ip = v;
  }

  /** `X-Forwarded-For` addresses when `app.proxy`, client first; else `[]`. */
  get ips(): string[] {
    if (!this.ctx.app.proxy) return [];
    const v = this.get(this.ctx.app.proxyIpHeader);
    if (v === '') return [];
    const list = v.split(/\s*,\s*/).filter((s) => s !== '');
    const max = this.ctx.app.maxIpsCount;
    return max > 0 ? list.slice(-max) : list;
  }

  /** Subdomains under `app.subdomainOffset` (Koa's rule). */
  get subdomains(): string[] {
    const hostname = this.hostname;
    if (hostname === '' || hostname.charCodeAt(0) === 0x5b || isIP(hostname) !== 0) return [];
    return hostname.split('.').reverse().slice(this.ctx.app.subdomainOffset);
  }

  /** Declared Content-Length, or undefined. */
  get length(): number | undefined {
    const n = this.head.contentLength;
    return n >= 0 ? n : undefined;
  }

  /** The media type of the body without parameters, e.g. `application/json`, or `''`. */
  get type(): string {
    const t = this.get('content-type');
    if (t === '') return '';
    return t.split(';', 1)[0]!.trim().toLowerCase();
  }

  /** The `charset` parameter of Content-Type, or `''`. */
  get charset(): string {
    const m = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(this.get('content-type'));
    return m === null ? '' : m[1]!.toLowerCase();
  }

  /** Whether the client's cached copy is fresh; see `ctx.fresh` (it needs the response, so it is the context's). */
  get fresh(): boolean {
    return this.ctx.fresh;
  }

  /** `!fresh`. */
  get stale(): boolean {
    return !this.ctx.fresh;
  }

  /** Whether the method is idempotent (RFC 9110 §9.2.2). */
  get idempotent(): boolean {
    return IDEMPOTENT.has(this.method);
  }

  /**
   * Matches the request's Content-Type against `types` (type-is rules): the matching type, `false`,
   * or `null` when the request has no body.
   *
   * @example ctx.is('json', 'urlencoded')
   */
  is(type?: string | string[], ...types: string[]): string | false | null {
    const list = type === undefined ? [] : Array.isArray(type) ? type : [type, ...types];
    // type-is's rule: a body is declared by Transfer-Encoding or any Content-Length, even 0.
    const h = this.head;
    if (h.framing !== 'chunked' && h.contentLength < 0) return null;
    return typeisOf().is(this.get('content-type'), list);
  }

  /** True when the request carries body bytes (chunked or a non-zero Content-Length). */
  get hasBody(): boolean {
    const h = this.head;
    return h.framing === 'chunked' || h.contentLength > 0;
  }

  /** The `accepts` negotiator over this request's headers (Koa's `request.accept`), created on first use. */
  get accept(): accepts.Accepts {
    return (this.#accept ??= acceptsOf()({ headers: this.headers } as never));
  }

  set accept(a: accepts.Accepts) {
    this.#accept = a;
  }

  #accepts(): accepts.Accepts {
    return this.accept;
  }

  /** Content negotiation on `Accept`; see the `accepts` package. @example ctx.accepts('json', 'html') */
  accepts(...types: (string | string[])[]): string | string[] | false {
    return this.#accepts().types(...(types.flat() as string[]));
  }

  /** Negotiation on `Accept-Encoding`. @example ctx.acceptsEncodings('br', 'gzip') */
  acceptsEncodings(...encodings: (string | string[])[]): string | string[] | false {
    return this.#accepts().encodings(...(encodings.flat() as string[]));
  }

  /** Negotiation on `Accept-Charset`. @example ctx.acceptsCharsets('utf-8') */
  acceptsCharsets(...charsets: (string | string[])[]): string | string[] | false {
    return this.#accepts().charsets(...(charsets.flat() as string[]));
  }

  /** Negotiation on `Accept-Language`. @example ctx.acceptsLanguages('en', 'fr') */
  acceptsLanguages(...langs: (string | string[])[]): string | string[] | false {
    return this.#accepts().languages(...(langs.flat() as string[]));
  }

  /**
   * The parts of a `multipart/form-data` body, streamed (rules and errors: `src/http/multipart.ts`,
   * docs/uploads.md). Marks the body parsed, so a `body()` after it reads nothing.
   *
   * @example
   * for await (const part of ctx.request.parts({ limits: { fileSize: 5e6 }, accept: ['image/*'] }))
   *   if (part.kind === 'file') await pipeline(part.stream, fs.createWriteStream(dest))
   */
  parts(options?: PartsOptions): AsyncGenerator<Part, void, undefined> {
    this.bodyParsed = true;
    const ctx = this.ctx;
    return parts(
      { get: (field) => this.get(field), req: ctx.req, closeConnection: () => ctx.set('connection', 'close') },
      options,
    );
  }

  /** Koa's summary: `{ method, url, header }`. */
  toJSON(): { method: string; url: string; header: IncomingHeaders } {
    return { method: this.method, url: this.url, header: this.headers };
  }

  /** `util.inspect` shows the summary. */
  [INSPECT](): Record<string, unknown> {
    return this.toJSON();
  }
}

function str(v: string | string[] | undefined): string {
  return v === undefined ? '' : Array.isArray(v) ? v.join(', ') : v;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']);

/** The path of an absolute-form target (`http://h/p?q` → `/p`); `*` and authority-form stay as they are. */
function absolutePath(beforeQuery: string): string {
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*/.exec(beforeQuery);
  if (m === null) return beforeQuery;
  const rest = beforeQuery.slice(m[0].length);
  return rest === '' ? '/' : rest;
}
