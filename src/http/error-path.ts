/**
 * The one error path: how an error a request ends with is reported (logged, emitted), rendered
 * (RFC 9457 problem+json, or a custom renderer's body) and serialised — for every error, the
 * engine's own early answers included (a parse error, a timeout, a refused head), whose bytes it
 * asks the app for. Statuses and codes come from the registries (`errors.ts`, and the parser's
 * `PARSE_ERRORS`); details are sent only for an exposed error (`expose`, default `status < 500`).
 */
import type { Logger } from 'pino';
import { Buffer } from 'node:buffer';
import { PARSE_ERRORS } from '../parser/errors.js';
import { FRAME, Framing, Reply, frameHead, type OutgoingHeaders } from '../engine/framing.js';
import { STATUS_TEXT } from '../engine/status.js';
import { releaseBody } from '../engine/body-stream.js';
import { NullObject } from '../engine/null-object.js';
import { HttpError, isHttpError, toHttpError } from './http-error.js';
import { ERRORS, type ErrorCode } from './errors.js';
import type { Response } from './response.js';
import { PROBLEM_JSON } from './media-types.js';
import { kSocketError } from '../engine/exchange.js';

/** The body of an error response, as an `ErrorRenderer` (context.ts) returns it. */
export interface RenderedError {
  /** The Content-Type to send, e.g. `'text/html; charset=utf-8'`. */
  type: string;
  body: string | Uint8Array;
}

/** What the error path asks of a request's context: a custom error body, when it has a renderer. */
export interface ErrorRendering {
  renderError(err: HttpError): RenderedError | undefined;
}

/**
 * The default `app.onerror`'s logging: on the request's logger — 5xx at `error`, 4xx at `info`,
 * and an error of the client's own socket (it reset, say) at `debug`, since the server did
 * nothing wrong.
 */
export function logError(log: Logger, err: unknown): void {
  if ((err as { [kSocketError]?: boolean })[kSocketError] === true) {
    log.debug({ err }, 'client connection failed');
    return;
  }
  const status = isHttpError(err) ? err.status : 500;
  if (status >= 500) log.error({ err }, 'request failed');
  else log.info({ err: { message: (err as Error).message, status } }, 'request rejected');
}

/**
 * The error for a code of either registry, with its registered status: what the engine raises for
 * the answers it decides itself (`ERR_REQUEST_TIMEOUT`, `HPE_INVALID_CHUNK_SIZE`, …).
 */
export function registeredError(code: string, message: string): HttpError {
  const parse = (PARSE_ERRORS as Record<string, { status: number } | undefined>)[code];
  const status = parse?.status ?? ERRORS[code as ErrorCode]?.status;
  if (status === undefined) throw new TypeError(`Unregistered error code ${code}`);
  return new HttpError(status, message, { code, expose: true });
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
  headers['content-type'] = custom?.type ?? PROBLEM_JSON;
  const len = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  headers['content-length'] = String(len);
  return new Reply(status, STATUS_TEXT[status] ?? '', headers, body, len, null);
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

const REFUSAL = { http10: false, isHead: false };
const REFUSAL_HEAD = { http10: false, isHead: true };
const NON_ASCII = /[\u007f-\uffff]/g;

/**
 * A complete response, closing the connection, for a request the engine answers before it became
 * an exchange (a parse error, a timeout): the problem body (only its length, to a request whose
 * method token was HEAD). All ASCII, so the engine joins it to its latin1 writes as it is.
 *
 * @example refusal(registeredError('HPE_INVALID_METHOD', 'Invalid method'), false)
 */
export function refusal(err: HttpError, head: boolean): string {
  const title = STATUS_TEXT[err.status] ?? 'Error';
  const body = JSON.stringify(problem(err.status, err)).replace(
    NON_ASCII,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  const headers = new NullObject() as OutgoingHeaders;
  headers['content-type'] = PROBLEM_JSON;
  const f = new Framing();
  const framed = frameHead(
    head ? REFUSAL_HEAD : REFUSAL,
    new Reply(err.status, title, headers, body, body.length, null),
    true,
    '',
    f,
  );
  return f.mode === FRAME.NONE ? framed : framed + body;
}
