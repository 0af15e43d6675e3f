/**
 * `ctx.response`: status, headers and body, with Koa's body rules. Headers live in a prototype-less
 * object keyed by lowercase name; values are validated when set, because a CR or LF in a value
 * would let a caller split the response (CWE-113).
 *
 * Contract (Koa's status/body interplay): the status is 404 until something sets a body or a
 * status; setting a body makes an unset status 200; `body = null` (or undefined) makes it 204
 * unless the status already forbids content, and an `application/json` response gets `null`
 * instead; setting a status that forbids content (1xx, 204, 304) drops the body. Lengths are
 * computed when the response is written, so Content-Length is never stale.
 */
// content-disposition 1.0 (Koa 3's pin), not 2.x: 1.0 always quotes the file name, as Koa's output does.
import type contentDisposition from 'content-disposition';
import { contentDispositionOf, mimeTypesOf, typeisOf } from './deferred-modules.js';
import type { Socket } from 'node:net';
import { STATUS_TEXT, isBodiless } from '../engine/status.js';
import {
  guardStream,
  isFetchResponse,
  isStreamLike,
  looksLikeHtml,
  releaseStream,
  type ResponseBody,
} from './body-kind.js';
import { checkName, checkValue } from './header-value.js';
import { INSPECT, kReleaseKept } from './internal.js';
import { releaseBody } from '../engine/body-stream.js';
import { JSON_TYPE, OCTET_STREAM, TEXT_HTML, TEXT_PLAIN } from './media-types.js';
import { NullObject } from '../engine/null-object.js';
import { isHopByHop, type OutgoingHeaders } from '../engine/framing.js';
import { Buffer } from 'node:buffer';

export { bodyStream, isStreamLike, type BodyStream, type ResponseBody } from './body-kind.js';

export type { OutgoingHeaders };

/** Content codings fetch (undici) decodes: a fetched body with only these arrives decoded. */
const DECODED_BY_FETCH = /^\s*(?:(?:x-)?gzip|deflate|br)\s*(?:,\s*(?:(?:x-)?gzip|deflate|br)\s*)*$/i;

/**
 * Copies a fetch `Response`'s fields onto the response it becomes, minus what describes the
 * upstream's connection and message rather than the bytes that will be sent: hop-by-hop and framing
 * fields (RFC 9110 §7.6.1; the engine writes its own), and — for a fetched body, which fetch has
 * already decoded — Content-Encoding and Content-Length, which describe the encoded bytes.
 */
function copyFetchHeaders(res: Response, val: InstanceType<typeof globalThis.Response>): void {
  const coding = val.headers.get('content-encoding');
  const decoded = val.url !== '' && coding !== null && DECODED_BY_FETCH.test(coding);
  for (const [k, v] of val.headers) {
    if (isHopByHop(k)) continue;
    if (decoded && (k === 'content-encoding' || k === 'content-length')) continue;
    if (k === 'set-cookie') continue;
    res.set(k, v);
  }
  // Headers joins repeated fields with ", ", which would corrupt cookies; it keeps them apart here.
  const cookies = val.headers.getSetCookie();
  if (cookies.length > 0) res.set('set-cookie', cookies);
}

/**
 * What a Response reads of the context it belongs to: whether the head is out, the socket, and the
 * operations that need the request too (`redirect`, `back`, `writable`), which are the context's.
 */
export interface ResponseOwner {
  readonly headerSent: boolean;
  readonly socket: Socket;
  readonly app: unknown;
  /** Node's response (shallot's stand-in, `ctx.res`). */
  readonly res: unknown;
  readonly request: unknown;
  readonly writable: boolean;
  redirect(url: string, alt?: string): void;
  back(alt?: string): void;
}

/**
 * The response side of a Context (`ctx.response`); `ctx` is its context.
 *
 * @example ctx.response.set('cache-control', 'no-store')
 */
export class Response<C extends ResponseOwner = ResponseOwner> {
  /** The context this response belongs to (Koa's `response.ctx`). */
  readonly ctx: C;
  /** Outgoing headers by lowercase name (the live object, not a copy). */
  headers: OutgoingHeaders;
  #status = 404;
  #message = '';
  #body: ResponseBody = undefined;
  #explicitStatus = false;
  #explicitNullBody = false;
  /** Stream bodies replaced by another stream (which may be reading them): released with the response. */
  #kept: object[] | null = null;

  constructor(ctx: C) {
    this.ctx = ctx;
    this.headers = new NullObject() as OutgoingHeaders;
  }

  /** The app (Koa's `response.app`). */
  get app(): C['app'] {
    return this.ctx.app;
  }

  /** Node's response: shallot's stand-in, `ctx.res` (Koa's `response.res`). */
  get res(): C['res'] {
    return this.ctx.res;
  }

  /** The request of the same context (Koa's `response.request`). */
  get request(): C['request'] {
    return this.ctx.request;
  }

  /** Alias of {@link headers}. */
  get header(): OutgoingHeaders {
    return this.headers;
  }

  /** The status; 404 until a body or status is set (Koa's default). */
  get status(): number {
    return this.#status;
  }

  /** @throws {TypeError} unless an integer in 100–999 */
  set status(code: number) {
    if (this.ctx.headerSent) return;
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new TypeError(`Invalid status code: ${code}`);
    this.#explicitStatus = true;
    this.#status = code;
    this.#message = '';
    if (isBodiless(code) && this.#body !== undefined && this.#body !== null) this.body = null;
  }

  /** True once a status was set explicitly (or implied by setting a body). */
  get explicitStatus(): boolean {
    return this.#explicitStatus;
  }

  /** True when `body = null` was set explicitly (Koa: answer an empty 204, not a 404). */
  get explicitNullBody(): boolean {
    return this.#explicitNullBody;
  }

  /** The reason phrase; defaults to the status's standard text. */
  get message(): string {
    return this.#message !== '' ? this.#message : (STATUS_TEXT[this.#status] ?? '');
  }

  /**
   * @throws {TypeError} on a character a header value may not hold (RFC 9112 §4: a reason phrase is
   * HTAB, SP, VCHAR and obs-text): a control character, or a code point above U+00FF, which the
   * latin1 status line would write as another byte — CR or LF among them
   */
  set message(msg: string) {
    if (this.ctx.headerSent) return;
    try {
      this.#message = checkValue(msg);
    } catch {
      throw new TypeError(
        `Invalid status message: ${JSON.stringify(msg)} (control characters and code points above U+00FF are not allowed)`,
      );
    }
  }

  /** The body, as set. */
  get body(): ResponseBody {
    return this.#body;
  }

  /**
   * Sets the body with Koa's rules: string → text/plain (text/html if it starts with `<`),
   * Buffer/Uint8Array → octet-stream, stream → streamed (octet-stream), Blob → its type, a fetch
   * `Response` → its status, headers and body, other object → JSON (a non-JSON type is replaced),
   * `null` → 204. A Content-Type set before is kept. Setting a body makes an unset status 200.
   */
  set body(val: ResponseBody) {
    const original = this.#body;
    this.#body = val;
    const h = this.headers;
    if (original !== val && isStreamLike(original)) {
      const keep = isStreamLike(val);
      releaseStream(original, keep);
      if (keep) (this.#kept ??= []).push(original);
    }
    if (val === null || val === undefined) {
      if (!isBodiless(this.#status)) {
        if (this.type === 'application/json') {
          // Koa 3: an empty JSON response is the JSON value `null`, not a 204. Unlike Koa, a body
          // it is: an unset status becomes 200 rather than staying 404.
          this.#body = 'null';
          if (!this.#explicitStatus) this.status = 200;
          return;
        }
        this.status = 204;
      }
      if (val === null) this.#explicitNullBody = true;
      delete h['content-type'];
      delete h['content-length'];
      delete h['transfer-encoding'];
      return;
    }
    if (!this.#explicitStatus) this.status = 200;
    const noType = h['content-type'] === undefined;
    if (typeof val === 'string') {
      if (noType) h['content-type'] = looksLikeHtml(val) ? TEXT_HTML : TEXT_PLAIN;
      delete h['content-length'];
      return;
    }
    if (val instanceof Uint8Array) {
      if (noType) h['content-type'] = OCTET_STREAM;
      delete h['content-length'];
      return;
    }
    if (isStreamLike(val)) {
      guardStream(val);
      if (noType) h['content-type'] = OCTET_STREAM;
      // A length set for this stream (koa-send sets it first) stays; one left from an older body goes.
      if (original !== undefined && original !== null && original !== val) delete h['content-length'];
      return;
    }
    if (val instanceof Blob) {
      if (noType) h['content-type'] = val.type !== '' ? val.type : OCTET_STREAM;
      h['content-length'] = String(val.size);
      return;
    }
    if (isFetchResponse(val)) {
      this.status = val.status;
      copyFetchHeaders(this, val);
      if (noType && !val.headers.has('content-type')) h['content-type'] = OCTET_STREAM;
      return;
    }
    delete h['content-length'];
    const t = h['content-type'];
    if (t === undefined || !/\bjson\b/i.test(String(t))) h['content-type'] = JSON_TYPE;
  }

  /**
   * Content-Length as set, else the byte length the body will have (JSON is serialised to count
   * it, so ask only when needed), or undefined for a stream.
   */
  get length(): number | undefined {
    const cl = this.headers['content-length'];
    if (cl !== undefined) return parseInt(String(cl), 10) || 0;
    const b = this.#body;
    if (b === undefined || b === null || isStreamLike(b)) return undefined;
    if (typeof b === 'string') return Buffer.byteLength(b);
    if (b instanceof Uint8Array) return b.byteLength;
    if (b instanceof Blob || isFetchResponse(b)) return undefined;
    const json = JSON.stringify(b);
    return json === undefined ? undefined : Buffer.byteLength(json);
  }

  /** Sets Content-Length (kept as the number given, as Koa 3), unless the response is already framed by Transfer-Encoding. */
  set length(n: number) {
    if (this.headers['transfer-encoding'] !== undefined) return;
    this.set('content-length', n);
  }

  /** The media type without parameters, or `''`. */
  get type(): string {
    const t = this.headers['content-type'];
    if (t === undefined) return '';
    return String(t).split(';', 1)[0]!.trim();
  }

  /** Sets Content-Type from a MIME type or an extension (`'json'`, `'.html'`, `'text/css'`); an unknown one removes it. */
  set type(t: string) {
    const ct = mimeTypesOf().contentType(t);
    if (ct === false) this.remove('content-type');
    else this.set('content-type', ct);
  }

  /** Response header by case-insensitive name, as set (a number stays a number, as Koa 3). */
  get(name: string): string | number | string[] | undefined {
    return this.headers[name.toLowerCase()];
  }

  /** Whether the header is set. */
  has(name: string): boolean {
    return this.headers[name.toLowerCase()] !== undefined;
  }

  /**
   * Sets a header, or several from an object. Values are checked: a CR/LF/NUL in a value is a
   * TypeError, never a split response. A number is kept as a number and an array as a list (as
   * Koa 3 and Node's `setHeader` keep them); they are written as text. Ignored once the head was
   * committed.
   *
   * @throws {TypeError} on an invalid name or value
   * @example ctx.set('x-request-id', id)
   */
  set(
    name: string | Record<string, string | number | readonly string[]>,
    value?: string | number | readonly string[],
  ): void {
    if (this.ctx.headerSent) return;
    if (typeof name === 'object') {
      for (const k of Object.keys(name)) this.set(k, name[k]);
      return;
    }
    if (value === undefined) return;
    const key = checkName(name);
    if (Array.isArray(value)) {
      // Content-Type and Content-Length have one value (Koa's normalizeHeader).
      if ((key === 'content-type' || key === 'content-length') && value.length !== 1) {
        throw new TypeError(`${key} must contain exactly one value`);
      }
      this.headers[key] =
        key === 'content-type' || key === 'content-length'
          ? checkValue(String(value[0]))
          : value.map((v) => checkValue(String(v)));
    } else if (typeof value === 'number') {
      this.headers[key] = value;
    } else {
      this.headers[key] = checkValue(String(value));
    }
  }

  /** Appends to a header, turning it into a list. @example ctx.append('link', '</a>; rel=preload') */
  append(name: string, value: string | readonly string[]): void {
    if (this.ctx.headerSent) return;
    const key = checkName(name);
    const prev = this.headers[key];
    const add = (Array.isArray(value) ? value : [value as string]).map(checkValue);
    if (prev === undefined) this.headers[key] = add.length === 1 ? add[0]! : add;
    else this.headers[key] = (Array.isArray(prev) ? prev : [String(prev)]).concat(add);
  }

  /** Removes a header. */
  remove(name: string): void {
    if (this.ctx.headerSent) return;
    delete this.headers[name.toLowerCase()];
  }

  /** Adds field(s) to `Vary` unless already listed; `*` absorbs everything (RFC 9110 §12.5.5). */
  vary(field: string | readonly string[]): void {
    if (this.ctx.headerSent) return;
    const prev = this.headers['vary'];
    const cur = prev === undefined ? '' : Array.isArray(prev) ? prev.join(', ') : String(prev);
    if (cur.trim() === '*') return;
    const fields = (typeof field === 'string' ? field.split(',') : field).map((s) => s.trim()).filter((s) => s !== '');
    for (const f of fields) checkName(f === '*' ? 'x' : f);
    if (fields.includes('*')) {
      this.headers['vary'] = '*';
      return;
    }
    const have = new Set(
      cur
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    );
    const add: string[] = [];
    for (const f of fields) {
      const lower = f.toLowerCase();
      if (!have.has(lower)) {
        have.add(lower);
        add.push(f);
      }
    }
    if (add.length === 0) return;
    this.headers['vary'] = cur === '' ? add.join(', ') : `${cur}, ${add.join(', ')}`;
  }

  /** See `ctx.redirect()`: it needs the request (to negotiate the body), so it is the context's. */
  redirect(url: string, alt?: string): void {
    this.ctx.redirect(url, alt);
  }

  /** See `ctx.back()`. */
  back(alt?: string): void {
    this.ctx.back(alt);
  }

  /**
   * Sets Content-Disposition to attachment, and Content-Type from the file name's extension when
   * none is set yet.
   *
   * @example ctx.attachment('report.pdf')
   */
  attachment(filename?: string, options?: contentDisposition.Options): void {
    // Only the base name is the client's business (a server path is not).
    const base =
      filename === undefined
        ? undefined
        : filename.slice(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1);
    if (base !== undefined && !this.has('content-type')) {
      const dot = base.lastIndexOf('.');
      if (dot > 0) this.type = base.slice(dot);
    }
    this.set('content-disposition', contentDispositionOf()(base === '' ? undefined : base, options));
  }

  /** Last-Modified as a Date, or undefined. */
  get lastModified(): Date | undefined {
    const v = this.headers['last-modified'];
    return v === undefined ? undefined : new Date(String(v));
  }

  set lastModified(d: Date | string) {
    this.set('last-modified', (typeof d === 'string' ? new Date(d) : d).toUTCString());
  }

  /** The ETag header, or `''`. Setting adds quotes when missing. */
  get etag(): string {
    const v = this.headers['etag'];
    return v === undefined ? '' : String(v);
  }

  set etag(val: string) {
    this.set('etag', /^(W\/)?"/.test(val) ? val : `"${val}"`);
  }

  /** Matches the response Content-Type against `types` (type-is rules). @example ctx.response.is('json') */
  is(type?: string | string[], ...types: string[]): string | false {
    const t = this.type;
    if (t === '') return false;
    const list = type === undefined ? [] : Array.isArray(type) ? type : [type, ...types];
    return typeisOf().is(t, list);
  }

  /** Whether the status line and headers have been written. */
  get headerSent(): boolean {
    return this.ctx.headerSent;
  }

  /** Whether the response can still be written: not ended through `ctx.res`, socket still open. */
  get writable(): boolean {
    return this.ctx.writable;
  }

  /** The socket. */
  get socket(): Socket {
    return this.ctx.socket;
  }

  /** Destroys the stream bodies this response replaced with another stream (done with the response). */
  [kReleaseKept](): void {
    const kept = this.#kept;
    if (kept === null) return;
    this.#kept = null;
    for (const s of kept) releaseBody(s);
  }

  /** Koa's summary: `{ status, message, header }`. */
  toJSON(): { status: number; message: string; header: OutgoingHeaders } {
    return { status: this.status, message: this.message, header: { ...this.headers } };
  }

  /** `util.inspect` shows the summary and the body. */
  [INSPECT](): Record<string, unknown> {
    return { ...this.toJSON(), body: this.#body };
  }
}
