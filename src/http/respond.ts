/**
 * Turns a finished response into the {@link Reply} the engine frames and writes: Koa's body rules
 * (see `response.ts`) decide the status, type and content; the engine (`src/engine/framing.ts`)
 * decides the framing, HEAD and the bodiless statuses included. Errors go to `error-path.ts`.
 */
import { Readable } from 'node:stream';
import { Buffer } from 'node:buffer';
import { HttpError } from './http-error.js';
import { isBodiless } from '../engine/status.js';
import { Reply } from '../engine/framing.js';
import { bodyStream } from './body-kind.js';
import { errorReply, type ErrorRendering } from './error-path.js';
import type { OutgoingHeaders, Response } from './response.js';
import { JSON_TYPE, TEXT_PLAIN } from './media-types.js';

/** A Content-Length the application set: digits only, or it promises nothing. */
const DIGITS = /^\d{1,15}$/;

/**
 * The Content-Length the application set for a stream (koa-send sets it), as a number, or -1 when
 * it set none or one that promises nothing (not a decimal count).
 *
 * @example declaredLength({ 'content-length': '42' }) // 42
 */
export function declaredLength(headers: OutgoingHeaders): number {
  const d = headers['content-length'];
  if (typeof d === 'number') return Number.isSafeInteger(d) && d >= 0 ? d : -1;
  return typeof d === 'string' && DIGITS.test(d) ? Number(d) : -1;
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
    return new Reply(status, res.message, headers, null, declaredLength(headers), stream);
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
