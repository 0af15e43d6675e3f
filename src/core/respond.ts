/**
 * Turns a finished context into bytes: the status line, headers, and the body or a plan to stream
 * it. Koa's body rules (see `response.ts`) decide the type; this module decides the framing:
 * Content-Length for strings, buffers and JSON; chunked for streams of unknown length; nothing
 * for HEAD (but the length it would have had), 1xx, 204 and 304 (RFC 9110 §6.4.1, §9.3.2).
 */
import type { Readable } from 'node:stream';
import { httpDate } from './date.js';
import { HttpError, toHttpError } from './http-error.js';
import { STATUS_TEXT, isBodiless } from './status.js';
import { bodyStream, type BodyStream, type OutgoingHeaders } from './response.js';
import type { Context } from './context.js';
import { NullObject } from './null-object.js';
import { Buffer } from 'node:buffer';

/** A response whose body is streamed after the head. */
export interface StreamPlan {
  head: Buffer;
  source: BodyStream;
  chunked: boolean;
}

/** Connection-level facts the head needs. */
export interface HeadOptions {
  /** Write `Connection: close` and close after this response. */
  close: boolean;
  /** The request was HTTP/1.0 (needs an explicit `Connection: keep-alive` to stay open). */
  http10: boolean;
  /** `Keep-Alive` header value to advertise, or '' for none. */
  keepAliveHeader: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_PLAIN = 'text/plain; charset=utf-8';

/**
 * Serialises `ctx` into one piece (head and body together, so a small response is one write):
 * a string of latin1 bytes (every char below U+0100, one byte each) when head and body are
 * ASCII, else a Buffer — or a {@link StreamPlan}.
 */
export function serialize(ctx: Context, opts: HeadOptions): string | Buffer | StreamPlan {
  const res = ctx.response;
  let body = res.body;
  let status = res.status;
  const headers = res.headers;
  const isHead = ctx.request.method === 'HEAD';

  if (isBodiless(status)) {
    destroyStream(body);
    delete headers['content-type'];
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    return headString(status, res.message, headers, opts, -1, false);
  }

  if (body === undefined || body === null) {
    if (res.explicitNullBody || (body === null && !res.explicitStatus)) {
      // Koa: an explicit `body = null` is an empty response.
      delete headers['content-type'];
      delete headers['transfer-encoding'];
      headers['content-length'] = '0';
      return headString(status, res.message, headers, opts, -1, false);
    }
    if (!res.explicitStatus) {
      // Nothing handled the request: the same problem+json a thrown 404 gets. Not an error, so the
      // headers middleware set (a request id, CORS) stay, as in Koa.
      return serializeError(ctx, new HttpError(404), opts, true);
    }
    body = res.message || String(status);
    headers['content-type'] ??= TEXT_PLAIN;
  }

  const stream = bodyStream(body);
  if (stream !== null) {
    const declared = headers['content-length'];
    if (isHead) {
      destroyStream(stream);
      return headString(status, res.message, headers, opts, -1, false);
    }
    const chunked = declared === undefined;
    return { head: Buffer.from(headString(status, res.message, headers, opts, -1, chunked), 'latin1'), source: stream, chunked };
  }

  let payload: string | Uint8Array;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    payload = body;
  } else {
    payload = JSON.stringify(body) ?? 'null';
    headers['content-type'] ??= JSON_TYPE;
  }
  const len = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  delete headers['content-length'];
  status = res.status;
  const head = headString(status, res.message, headers, opts, len, false);
  // Left behind so middleware that runs at 'finish' (a logger) can read the size that was sent.
  headers['content-length'] = String(len);
  if (isHead) return head;
  // An ASCII payload (its UTF-8 length is its length) is latin1 too: the response stays a string,
  // which the socket writes straight from V8's memory — no Buffer to allocate and fill — and
  // which joins the other responses of a pipelined batch by plain concatenation.
  if (typeof payload === 'string' && len === payload.length) return head + payload;
  // One allocation for head and body: the common response leaves in a single write.
  const headLen = head.length;
  const out = Buffer.allocUnsafe(headLen + len);
  out.write(head, 0, 'latin1');
  if (typeof payload === 'string') out.write(payload, headLen, 'utf8');
  else out.set(payload, headLen);
  return out;
}

/**
 * The one error response: RFC 9457 problem+json. Details only when the error is exposed
 * (`expose`, default `status < 500`); an unknown error is a 500 with the stock title. The body
 * comes from `ctx.errorRenderer` when one is set (see {@link ErrorRenderer}). The response headers
 * are reset first, unless `keepHeaders` (the 404 of a request nothing answered).
 */
export function serializeError(ctx: Context, err: unknown, opts: HeadOptions, keepHeaders = false): Buffer {
  const res = ctx.response;
  destroyStream(res.body);
  if (!keepHeaders) for (const k of Object.keys(res.headers)) delete res.headers[k];
  else {
    delete res.headers['content-length'];
    delete res.headers['transfer-encoding'];
  }
  const e = toHttpError(err);
  const status = e.status;
  if (e.headers !== undefined) {
    for (const k of Object.keys(e.headers)) {
      // The problem body frames itself: an error's own Content-Type/-Length would contradict it.
      const lower = k.toLowerCase();
      if (lower === 'content-type' || lower === 'content-length') continue;
      try {
        res.set(k, e.headers[k]!);
      } catch {
        // An invalid header on an error must not turn a 4xx into a crash.
      }
    }
  }
  res.status = status;
  const custom = renderCustom(ctx, e);
  const body = custom?.body ?? JSON.stringify(problem(status, e));
  res.headers['content-type'] = custom?.type ?? 'application/problem+json; charset=utf-8';
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const head = headString(status, STATUS_TEXT[status] ?? '', res.headers, opts, bytes.byteLength, false);
  res.headers['content-length'] = String(bytes.byteLength);
  if (ctx.request.method === 'HEAD') return Buffer.from(head, 'latin1');
  return Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
}

/** The body of an error response, as an {@link ErrorRenderer} returns it. */
export interface RenderedError {
  /** The Content-Type to send, e.g. `'text/html; charset=utf-8'`. */
  type: string;
  body: string | Uint8Array;
}

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

function renderCustom(ctx: Context, err: HttpError): RenderedError | undefined {
  const render = ctx.errorRenderer;
  if (render === null) return undefined;
  try {
    return render(err, ctx);
  } catch (renderErr) {
    ctx.log.error({ err: renderErr }, 'error renderer failed; sent the default problem+json');
    return undefined;
  }
}

/** The problem object for a status and an (exposable) HttpError. */
export function problem(status: number, err: HttpError | null): Record<string, unknown> {
  const title = STATUS_TEXT[status] ?? 'Error';
  const out: Record<string, unknown> = { type: 'about:blank', title, status };
  if (err !== null && err.expose) {
    if (err.message !== '' && err.message !== title) out['detail'] = err.message;
    if (err.details !== undefined) out[Array.isArray(err.details) ? 'errors' : 'details'] = err.details;
  }
  out['code'] = err !== null && typeof err.code === 'string' ? err.code : 'ERR_INTERNAL';
  return out;
}

/** A complete response for a request the connection refuses before any context exists. */
export function rawErrorResponse(status: number, code: string, detail: string, opts: HeadOptions): Buffer {
  const body = JSON.stringify({ type: 'about:blank', title: STATUS_TEXT[status] ?? 'Error', status, detail, code });
  const headers = new NullObject() as OutgoingHeaders;
  headers['content-type'] = 'application/problem+json; charset=utf-8';
  const head = headString(status, STATUS_TEXT[status] ?? '', headers, opts, Buffer.byteLength(body), false);
  return Buffer.from(head + body, 'utf8');
}

function headString(status: number, message: string, headers: OutgoingHeaders, opts: HeadOptions, length: number, chunked: boolean): string {
  let s = `HTTP/1.1 ${status} ${message}\r\n`;
  for (const name in headers) {
    const v = headers[name]!;
    if (typeof v === 'string') s += `${name}: ${v}\r\n`;
    else for (let i = 0; i < v.length; i++) s += `${name}: ${v[i]}\r\n`;
  }
  if (length >= 0) s += `content-length: ${length}\r\n`;
  if (chunked) s += 'transfer-encoding: chunked\r\n';
  if (headers['date'] === undefined) s += `date: ${httpDate()}\r\n`;
  if (opts.close) s += 'connection: close\r\n';
  else {
    if (opts.http10) s += 'connection: keep-alive\r\n';
    if (opts.keepAliveHeader !== '') s += opts.keepAliveHeader;
  }
  return `${s}\r\n`;
}

function destroyStream(body: unknown): void {
  if (body !== null && typeof body === 'object' && typeof (body as Readable).destroy === 'function') (body as Readable).destroy();
}
