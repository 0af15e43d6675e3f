/**
 * `ctx.response`: status, headers and body, with Koa's body rules. Headers live in a prototype-less
 * object keyed by lowercase name; values are validated when set, because a CR or LF in a value
 * would let a caller split the response (CWE-113).
 */
import { create as contentDisposition, type CreateOptions } from 'content-disposition';
import { contentType as mimeContentType } from 'mime-types';
import typeis from 'type-is';
import { Readable } from 'node:stream';
import { REDIRECT_STATUSES, STATUS_TEXT, isBodiless } from './status.js';
import type { Context } from './context.js';

/** Outgoing header values as stored: a string, or an array for repeated fields such as Set-Cookie. */
export type OutgoingHeaders = Record<string, string | string[]>;

/** Body values the response knows how to send. */
export type ResponseBody = string | Buffer | Uint8Array | Readable | ReadableStream | AsyncIterable<unknown> | object | null | undefined;

const TEXT_PLAIN = 'text/plain; charset=utf-8';
const TEXT_HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const OCTET = 'application/octet-stream';

/** RFC 9110 §5.5 field-value bytes (latin1 range, no CTLs but HTAB); names must be tokens. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const TOKEN_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The response side of a {@link Context}.
 *
 * @example ctx.response.set('cache-control', 'no-store')
 */
export class Response {
  readonly ctx: Context;
  /** Outgoing headers by lowercase name. */
  headers: OutgoingHeaders;
  #status = 404;
  #message = '';
  #body: ResponseBody = undefined;
  #explicitStatus = false;
  #explicitNullBody = false;

  constructor(ctx: Context) {
    this.ctx = ctx;
    this.headers = Object.create(null) as OutgoingHeaders;
  }

  /** Alias of {@link headers}. */
  get header(): OutgoingHeaders {
    return this.headers;
  }

  /** The status; 404 until a body or status is set (Koa's default). */
  get status(): number {
    return this.#status;
  }

  set status(code: number) {
    if (this.ctx.headerSent) return;
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new TypeError(`Invalid status code: ${code}`);
    this.#explicitStatus = true;
    this.#status = code;
    this.#message = '';
    if (isBodiless(code) && this.#body !== undefined && this.#body !== null) this.#body = null;
  }

  /** True once a status was set explicitly (or implied by setting a body). */
  get explicitStatus(): boolean {
    return this.#explicitStatus;
  }

  /** True when `body = null` was set explicitly (Koa: answer 204 rather than 404). */
  get explicitNullBody(): boolean {
    return this.#explicitNullBody;
  }

  /** The reason phrase; defaults to the status's standard text. */
  get message(): string {
    return this.#message !== '' ? this.#message : (STATUS_TEXT[this.#status] ?? '');
  }

  set message(msg: string) {
    if (/[\r\n]/.test(msg)) throw new TypeError('Invalid status message: CR and LF are not allowed');
    this.#message = msg;
  }

  /** The body. */
  get body(): ResponseBody {
    return this.#body;
  }

  /**
   * Sets the body with Koa's rules: string → text/plain (text/html if it starts with `<`),
   * Buffer/Uint8Array → octet-stream, stream or async iterable → streamed, other object → JSON,
   * `null` → 204. Setting a body makes an unset status 200.
   */
  set body(val: ResponseBody) {
    this.#body = val;
    const h = this.headers;
    if (val === null || val === undefined) {
      if (!isBodiless(this.#status)) this.#status = 204;
      if (val === null) this.#explicitNullBody = true;
      delete h['content-type'];
      delete h['content-length'];
      delete h['transfer-encoding'];
      return;
    }
    if (!this.#explicitStatus) {
      this.#status = 200;
      this.#explicitStatus = true;
    }
    const noType = h['content-type'] === undefined;
    if (typeof val === 'string') {
      if (noType) h['content-type'] = looksLikeHtml(val) ? TEXT_HTML : TEXT_PLAIN;
      delete h['content-length'];
      return;
    }
    if (val instanceof Uint8Array) {
      if (noType) h['content-type'] = OCTET;
      delete h['content-length'];
      return;
    }
    if (isStreamLike(val)) {
      if (noType) h['content-type'] = OCTET;
      delete h['content-length'];
      return;
    }
    delete h['content-length'];
    if (noType) h['content-type'] = JSON_TYPE;
  }

  /** Content-Length as set, or the byte length of a string/buffer body. */
  get length(): number | undefined {
    const cl = this.headers['content-length'];
    if (cl !== undefined) return Number(cl);
    const b = this.#body;
    if (typeof b === 'string') return Buffer.byteLength(b);
    if (b instanceof Uint8Array) return b.byteLength;
    return undefined;
  }

  set length(n: number) {
    this.set('content-length', String(n));
  }

  /** The media type without parameters, or `''`. */
  get type(): string {
    const t = this.headers['content-type'];
    if (t === undefined) return '';
    return String(t).split(';', 1)[0]!.trim();
  }

  /** Sets Content-Type from a MIME type or an extension (`'json'`, `'.html'`, `'text/css'`). */
  set type(t: string) {
    const ct = mimeContentType(t);
    if (ct === false) delete this.headers['content-type'];
    else this.headers['content-type'] = ct;
  }

  /** Response header by case-insensitive name. */
  get(name: string): string | string[] | undefined {
    return this.headers[name.toLowerCase()];
  }

  /** Whether the header is set. */
  has(name: string): boolean {
    return this.headers[name.toLowerCase()] !== undefined;
  }

  /**
   * Sets a header, or several from an object. Values are checked: a CR/LF/NUL in a value is a
   * TypeError, never a split response.
   *
   * @example ctx.set('x-request-id', id)
   */
  set(name: string | Record<string, string | number | readonly string[]>, value?: string | number | readonly string[]): void {
    if (this.ctx.headerSent) return;
    if (typeof name === 'object') {
      for (const k of Object.keys(name)) this.set(k, name[k]);
      return;
    }
    if (value === undefined) return;
    this.headers[checkName(name)] = Array.isArray(value) ? value.map(checkValue) : checkValue(String(value));
  }

  /** Appends to a header, turning it into a list. @example ctx.append('link', '</a>; rel=preload') */
  append(name: string, value: string | readonly string[]): void {
    const key = checkName(name);
    const prev = this.headers[key];
    const add = (Array.isArray(value) ? value : [value as string]).map(checkValue);
    if (prev === undefined) this.headers[key] = add.length === 1 ? add[0]! : add;
    else this.headers[key] = (Array.isArray(prev) ? prev : [prev]).concat(add);
  }

  /** Removes a header. */
  remove(name: string): void {
    if (this.ctx.headerSent) return;
    delete this.headers[name.toLowerCase()];
  }

  /** Adds `field` to `Vary` unless already listed (or `*`). */
  vary(field: string): void {
    const prev = this.headers['vary'];
    const cur = prev === undefined ? '' : Array.isArray(prev) ? prev.join(', ') : prev;
    if (cur.trim() === '*') return;
    const have = new Set(cur.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));
    const add = field.split(',').map((s) => s.trim()).filter((s) => s !== '' && !have.has(s.toLowerCase()));
    if (add.length === 0) return;
    this.headers['vary'] = cur === '' ? add.join(', ') : `${cur}, ${add.join(', ')}`;
  }

  /**
   * Redirects: sets Location and a 302 unless a redirect status is already set. The URL is
   * percent-encoded where needed; the body is a short text or HTML note.
   *
   * @example ctx.redirect('/login')
   */
  redirect(url: string, alt?: string): void {
    let target = url;
    if (url === 'back') target = this.ctx.get('referrer') || alt || '/';
    this.set('location', encodeUrl(target));
    if (!REDIRECT_STATUSES.has(this.#status)) this.status = 302;
    if (this.ctx.request.accepts('html') === 'html') {
      const safe = escapeHtml(target);
      this.type = 'text/html; charset=utf-8';
      this.body = `Redirecting to <a href="${safe}">${safe}</a>.`;
      return;
    }
    this.type = 'text/plain; charset=utf-8';
    this.body = `Redirecting to ${target}.`;
  }

  /** Sets Content-Disposition to attachment (and Content-Type from the file name). */
  attachment(filename?: string, options?: CreateOptions): void {
    if (filename !== undefined) {
      const ext = filename.includes('.') ? filename.slice(filename.lastIndexOf('.')) : '';
      if (ext !== '') this.type = ext;
    }
    this.set('content-disposition', contentDisposition(filename, options));
  }

  /** Last-Modified as a Date, or undefined. */
  get lastModified(): Date | undefined {
    const v = this.headers['last-modified'];
    return v === undefined ? undefined : new Date(String(v));
  }

  set lastModified(d: Date | string) {
    this.set('last-modified', (typeof d === 'string' ? new Date(d) : d).toUTCString());
  }

  /** The ETag header. Setting adds quotes when missing. */
  get etag(): string {
    const v = this.headers['etag'];
    return v === undefined ? '' : String(v);
  }

  set etag(val: string) {
    this.set('etag', /^(W\/)?"/.test(val) ? val : `"${val}"`);
  }

  /** Matches the response Content-Type against `types` (type-is rules). */
  is(type?: string | string[], ...types: string[]): string | false {
    const t = this.type;
    if (t === '') return false;
    const list = type === undefined ? [] : Array.isArray(type) ? type : [type, ...types];
    return typeis.is(t, list);
  }

  /** Whether the status line and headers have been written. */
  get headerSent(): boolean {
    return this.ctx.headerSent;
  }

  /** The socket. */
  get socket(): Context['socket'] {
    return this.ctx.socket;
  }
}

/** Node Readable, web ReadableStream, or async iterable (strings and buffers are not streams here). */
export function isStreamLike(v: unknown): v is Readable | ReadableStream | AsyncIterable<unknown> {
  if (typeof v !== 'object' || v === null) return false;
  if (v instanceof Readable) return true;
  if (typeof (v as ReadableStream).getReader === 'function') return true;
  return typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** Koa's rule: a string starting with `<` (after optional whitespace) is HTML. */
function looksLikeHtml(s: string): boolean {
  const c = s.charCodeAt(0);
  return c === 0x3c || (c <= 0x20 && /^\s*</.test(s));
}

function checkName(name: string): string {
  if (!TOKEN_NAME.test(name)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
  return name.toLowerCase();
}

function checkValue(v: string): string {
  if (INVALID_VALUE.test(v)) throw new TypeError(`Invalid character in header value: ${JSON.stringify(v)}`);
  return v;
}

function encodeUrl(url: string): string {
  // Keep what is already encoded; encode what may not appear raw in a Location field.
  return url.replace(/%(?![0-9A-Fa-f]{2})/g, '%25').replace(/[^\x21-\x7e]|[<>"`{}|\\^]/g, (c) => encodeURIComponent(c));
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
