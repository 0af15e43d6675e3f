/**
 * Turns a finished context into the {@link Reply} the engine frames and writes: Koa's body rules
 * (see `response.ts`) decide the status, type and content; the engine (`src/engine/framing.ts`)
 * decides the framing, HEAD and the bodiless statuses included. The error response — RFC 9457
 * problem+json — is built here too, for every error a request ends with.
 */
import { Readable } from 'node:stream';
import { Buffer } from 'node:buffer';
import { HttpError, toHttpError } from './http-error.js';
import { STATUS_TEXT, isBodiless } from '../engine/status.js';
import { Reply } from '../engine/framing.js';
import { releaseBody } from '../engine/body-stream.js';
import { bodyStream } from './body-kind.js';
import type { Response } from './response.js';

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_PLAIN = 'text/plain; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
/** A Content-Length the application set: digits only, or it promises nothing. */
const DIGITS = /^\d{1,15}$/;

/** What the error path asks of a request's context: a custom error body, when it has a renderer. */
export interface ErrorRendering {
  renderError(err: HttpError): RenderedError | undefined;
}

/**
 * The response as the middleware left it. Throws when it cannot be sent as set — a body that does
 * not serialise (a cyclic object), or a stream that failed before its head was written — and the
 * engine answers with {@link errorReply} instead.
 */
export function toReply(res: Response, ctx: ErrorRendering): Reply {
  let body = res.body;
  const status = res.status;
  const headers = res.headers;

  if (isBodiless(status)) {
    delete headers['content-type'];
    return new Reply(status, res.message, headers, null, -1, bodyStream(body));
  }

  if (body === undefined || body === null) {
    if (res.explicitNullBody || (body === null && !res.explicitStatus)) {
      // Koa: an explicit `body = null` is an empty response.
      delete headers['content-type'];
      headers['content-length'] = '0';
      return new Reply(status, res.message, headers, '', 0, null);
    }
    if (!res.explicitStatus) {
      // Nothing handled the request: the same problem+json a thrown 404 gets. Not an error, so the
      // headers middleware set (a request id, CORS) stay, as in Koa.
      return errorReply(res, new HttpError(404), ctx, true);
    }
    body = res.message || String(status);
    headers['content-type'] ??= TEXT_PLAIN;
  }

  if (body instanceof Readable && body.errored !== null) {
    // The stream failed before its head was written (a missing file, say): answer with the error
    // instead of a 200 that is then cut short.
    throw body.errored;
  }
  const stream = bodyStream(body);
  if (stream !== null) {
    // A length set for a stream (koa-send sets it) is a promise the engine holds the stream to.
    const declared = headers['content-length'];
    const length = typeof declared === 'string' && DIGITS.test(declared) ? Number(declared) : -1;
    return new Reply(status, res.message, headers, null, length, stream);
  }

  let payload: string | Uint8Array;
  if (typeof body === 'string' || body instanceof Uint8Array) {
    payload = body;
  } else {
    payload = JSON.stringify(body) ?? 'null';
    headers['content-type'] ??= JSON_TYPE;
  }
  const len = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  // Left for middleware that runs at 'finish' (a logger) to read the size that was sent; the
  // engine writes its own Content-Length from `len`.
  headers['content-length'] = String(len);
  return new Reply(status, res.message, headers, payload, len, null);
}

/**
 * The one error response: RFC 9457 problem+json. Details only when the error is exposed
 * (`expose`, default `status < 500`); an unknown error is a 500 with the stock title. The body
 * comes from `ctx.errorRenderer` when one is set (see `ErrorRenderer` in context.ts). The response headers
 * are reset first (but `Connection`), unless `keepHeaders` (the 404 of a request nothing answered).
 */
export function errorReply(res: Response, err: unknown, ctx: ErrorRendering, keepHeaders = false): Reply {
  const headers = res.headers;
  // `Connection` is the connection's, not the response's: a close asked for (a 413 before the body
  // was read) survives the reset, and the engine honours it.
  if (!keepHeaders) for (const k of Object.keys(headers)) if (k !== 'connection') delete headers[k];
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
  // Whatever body the middleware left is not sent: a stream lets go of what it holds.
  releaseBody(res.body);
  res.status = status;
  const custom = ctx.renderError(e);
  const body = custom?.body ?? JSON.stringify(problem(status, e));
  headers['content-type'] = custom?.type ?? PROBLEM_TYPE;
  const len = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  headers['content-length'] = String(len);
  return new Reply(status, STATUS_TEXT[status] ?? '', headers, body, len, null);
}

/** The body of an error response, as an `ErrorRenderer` (context.ts) returns it. */
export interface RenderedError {
  /** The Content-Type to send, e.g. `'text/html; charset=utf-8'`. */
  type: string;
  body: string | Uint8Array;
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
