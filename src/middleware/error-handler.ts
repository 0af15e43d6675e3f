/**
 * `errorHandler(options)`: custom 404 and error pages, negotiated, on the core's one error path.
 *
 * It does not catch anything. It installs an {@link ErrorRenderer} on `ctx.errorRenderer`, which
 * the core calls when it writes the response of a request that ended in an error — thrown anywhere,
 * upstream or downstream of this middleware — or that nothing answered (404). Logging and the
 * app's `error` event stay where they are, in the core, so an error is reported once.
 *
 * Rules (tested in test/middleware/error-handler.test.ts):
 * - `notFound(ctx)` renders the 404 of a request no middleware answered; `onError(err, ctx)` every
 *   other error (a thrown 404 included). Both are synchronous (the response is being written);
 *   their return value is the body, as a route handler's: a string (TEXT_HTML if it starts with `<`,
 *   else text), bytes, or an object (JSON). Setting `ctx.body`/`ctx.type` or headers works too.
 *   `undefined` falls back to the default below.
 * - Default: content negotiation on `Accept` — problem+json (RFC 9457) unless the client prefers
 *   `application/json` (the same object as JSON) or `text/html` (a minimal page). `Vary: Accept`.
 * - A 5xx never shows its message or details unless the error says `expose: true`, or the
 *   middleware was given `expose: true` (for development only). `onError` gets the error itself:
 *   what it shows is its own choice.
 */
import type { Middleware } from '../http/app.js';
import type { Context, ErrorRenderer } from '../http/context.js';
import { HttpError } from '../http/http-error.js';
import { problem, type RenderedError } from '../http/error-path.js';
import { STATUS_TEXT } from '../engine/status.js';
import { escapeHtml } from '../http/header-value.js';
import { JSON_TYPE, PROBLEM_JSON, TEXT_HTML, TEXT_PLAIN } from '../http/media-types.js';

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** Renders the 404 of a request nothing answered; returns the body (see the module rules). */
  notFound?: (ctx: Context) => unknown;
  /** Renders any other error (normalised to an HttpError; the original is its `cause`). */
  onError?: (err: HttpError, ctx: Context) => unknown;
  /** Show 5xx messages (and a non-HttpError's own message) in the default pages. Development only. Default false. */
  expose?: boolean;
}

/**
 * Custom and negotiated error responses through the core's error path; see the module rules.
 *
 * @example
 * app.use(errorHandler({
 *   notFound: () => '<h1>Nothing here</h1>',
 *   onError: (err) => (err.status === 503 ? { retry: true } : undefined),
 * }))
 */
export function errorHandler(options: ErrorHandlerOptions = {}): Middleware {
  const unanswered = new WeakSet<Context>();
  const render: ErrorRenderer = (err, ctx) => {
    ctx.vary('accept');
    if (unanswered.has(ctx) && options.notFound !== undefined) {
      const out = custom(ctx, () => options.notFound!(ctx));
      if (out !== undefined) return out;
    } else if (options.onError !== undefined) {
      const out = custom(ctx, () => options.onError!(err, ctx));
      if (out !== undefined) return out;
    }
    return negotiated(err, ctx, options.expose ?? false);
  };
  return async function errorHandler(ctx, next) {
    ctx.errorRenderer = render;
    await next();
    const res = ctx.response;
    // What the core will answer with its own 404: no body, no status, no explicit `null`.
    if (res.body === undefined && !res.explicitStatus && !res.explicitNullBody) unanswered.add(ctx);
  };
}

/** Runs a user renderer; its return value, or a body it set on `ctx`, as a rendered error. */
function custom(ctx: Context, run: () => unknown): RenderedError | undefined {
  const before = ctx.response.body;
  let value = run();
  if (value === undefined && ctx.response.body !== before) value = ctx.response.body;
  if (value === undefined || value === null) return undefined;
  const set = ctx.response.get('content-type');
  const type = typeof set === 'string' ? set : undefined;
  if (typeof value === 'string') return { type: type ?? (/^\s*</.test(value) ? TEXT_HTML : TEXT_PLAIN), body: value };
  if (value instanceof Uint8Array) return { type: type ?? 'application/octet-stream', body: value };
  return { type: type ?? JSON_TYPE, body: JSON.stringify(value) };
}

/** The default body for the client's preferred type; `undefined` leaves the core's problem+json. */
function negotiated(err: HttpError, ctx: Context, exposeAll: boolean): RenderedError | undefined {
  const shown = exposeAll && !err.expose ? exposed(err) : err;
  const want = ctx.accepts('application/problem+json', 'application/json', 'text/html');
  if (want === 'text/html') return { type: TEXT_HTML, body: page(shown) };
  if (want === 'application/json') return { type: JSON_TYPE, body: JSON.stringify(problem(shown.status, shown)) };
  return shown === err ? undefined : { type: PROBLEM_JSON, body: JSON.stringify(problem(shown.status, shown)) };
}

/** `err` with its message (or its cause's) made visible: the `expose` option. */
function exposed(err: HttpError): HttpError {
  const cause = err.cause;
  const message = err.code === 'ERR_INTERNAL' && cause instanceof Error ? cause.message : err.message;
  return new HttpError(err.status, message, { code: err.code, details: err.details, expose: true });
}

/** A minimal TEXT_HTML page: status and title, and the message only when exposed. */
function page(err: HttpError): string {
  const title = escapeHtml(`${err.status} ${STATUS_TEXT[err.status] ?? 'Error'}`);
  const detail =
    err.expose && err.message !== '' && err.message !== STATUS_TEXT[err.status]
      ? `<p>${escapeHtml(err.message)}</p>`
      : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${detail}</body></html>`;
}
