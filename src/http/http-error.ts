/**
 * `HttpError`: the one error class for HTTP outcomes, shaped like `http-errors` (which Koa uses)
 * so that errors created by Koa middleware, or by another copy of shallot, are understood too.
 *
 * Contract: whatever a middleware throws, {@link toHttpError} turns it into one HttpError for the
 * error path, and only an error that says `expose: true` (by default every 4xx) ever has its
 * message sent to the client.
 */
import { STATUS_TEXT } from '../engine/status.js';

/**
 * Extra properties for an {@link HttpError}. A type alias rather than an interface so that it is
 * assignable to {@link HttpErrorInit} (interfaces have no implicit index signature).
 */
export type HttpErrorProps = {
  /** Stable machine-readable code, e.g. `'ERR_VALIDATION'`. */
  code?: string;
  /** Whether `message` may be sent to the client. Default: `status < 500`. */
  expose?: boolean;
  /** Response headers to send with the error, e.g. `{ 'www-authenticate': 'Bearer' }`. */
  headers?: Record<string, string | string[]>;
  /** The underlying error. */
  cause?: unknown;
  /** Structured details (e.g. validation errors) added to the problem+json body when exposed. */
  details?: unknown;
};

/** {@link HttpErrorProps} plus arbitrary fields copied onto the error, as `ctx.throw(401, 'no', { user })` in Koa. */
export type HttpErrorInit = HttpErrorProps & Record<string, unknown>;

/** Names the constructor sets itself; extra props never overwrite them. */
const OWN = new Set([
  'status',
  'statusCode',
  'expose',
  'code',
  'headers',
  'details',
  'cause',
  'message',
  'name',
  'stack',
]);

/**
 * An error that carries the HTTP status to answer with.
 *
 * @example
 * throw new HttpError(404, 'No such user', { code: 'ERR_USER_NOT_FOUND' })
 */
export class HttpError extends Error {
  readonly status: number;
  /** Alias of {@link status}, as `http-errors`. */
  readonly statusCode: number;
  readonly expose: boolean;
  readonly code: string;
  /** Mutable on purpose: Koa middleware (e.g. `@koa/cors`) adds headers to an error on its way up. */
  headers: Record<string, string | string[]> | undefined;
  readonly details: unknown;

  /**
   * @param status - a 4xx or 5xx status; anything else becomes 500
   * @param message - defaults to the status text
   */
  constructor(status: number, message?: string, props: HttpErrorInit = {}) {
    const valid = Number.isInteger(status) && status >= 400 && status <= 599;
    const s = valid ? status : 500;
    super(message ?? STATUS_TEXT[s] ?? 'Error', props.cause === undefined ? undefined : { cause: props.cause });
    this.name = 'HttpError';
    this.status = s;
    this.statusCode = s;
    this.expose = props.expose ?? s < 500;
    this.code = props.code ?? (s === 404 ? 'ERR_NOT_FOUND' : 'ERR_HTTP');
    this.headers = props.headers;
    this.details = props.details;
    // Extra props (`ctx.throw(401, 'no', { user })`) are copied, as http-errors does.
    for (const k of Object.keys(props)) {
      if (!OWN.has(k)) (this as unknown as Record<string, unknown>)[k] = props[k];
    }
  }

  /** 400 Bad Request. @example throw HttpError.badRequest('Missing "name"') */
  static badRequest(message?: string, props?: HttpErrorInit): HttpError {
    return new HttpError(400, message, props);
  }

  /** 401 Unauthorized. @example throw HttpError.unauthorized(undefined, { headers: { 'www-authenticate': 'Bearer' } }) */
  static unauthorized(message?: string, props?: HttpErrorInit): HttpError {
    return new HttpError(401, message, props);
  }

  /** 403 Forbidden. @example throw HttpError.forbidden() */
  static forbidden(message?: string, props?: HttpErrorInit): HttpError {
    return new HttpError(403, message, props);
  }

  /** 404 Not Found. @example throw HttpError.notFound() */
  static notFound(message?: string, props?: HttpErrorInit): HttpError {
    return new HttpError(404, message, props);
  }

  /** 409 Conflict. @example throw HttpError.conflict('Name taken') */
  static conflict(message?: string, props?: HttpErrorInit): HttpError {
    return new HttpError(409, message, props);
  }

  /** 500 Internal Server Error; never exposed unless `expose: true`. @example throw HttpError.internal() */
  static internal(message?: string, props?: HttpErrorInit): HttpError {
    return new HttpError(500, message, props);
  }
}

/**
 * Duck-typed check, so errors from another realm (a `vm` context, another copy of shallot) or from
 * `http-errors` (Koa's) count: anything with a numeric 4xx/5xx `status` or `statusCode` and a
 * boolean `expose`.
 *
 * @example if (isHttpError(err)) ctx.status = err.status
 */
export function isHttpError(err: unknown): err is HttpError {
  if (err instanceof HttpError) return true;
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown };
  const s = typeof e.status === 'number' ? e.status : e.statusCode;
  return typeof s === 'number' && s >= 400 && s <= 599 && typeof e.expose === 'boolean';
}

/**
 * Builds an HttpError from Koa's `ctx.throw()` arguments: `(status, message?, props?)`,
 * `(status, props)`, `(message, status?)`, `(error)`, `(status, error, props?)`.
 * An `Error` argument becomes the `cause`, and its message is used (exposed only under 500).
 *
 * @throws {TypeError} for an argument of an unsupported type, as `http-errors`
 * @example createHttpError(403, 'Nope', { code: 'ERR_NOPE' })
 */
export function createHttpError(status: number, message?: string | Error, props?: HttpErrorInit): HttpError;
export function createHttpError(status: number, props: HttpErrorInit): HttpError;
export function createHttpError(message: string, status?: number, props?: HttpErrorInit): HttpError;
export function createHttpError(error: Error, props?: HttpErrorInit): HttpError;
export function createHttpError(...args: unknown[]): HttpError;
export function createHttpError(...args: unknown[]): HttpError {
  let status = 500;
  let statusSet = false;
  let message: string | undefined;
  let props: HttpErrorInit = {};
  let cause: Error | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Error || isErrorLike(a)) {
      cause = a as Error;
      if (!statusSet) status = statusOf(a) ?? status;
    } else if (typeof a === 'number') {
      status = a;
      statusSet = true;
    } else if (typeof a === 'string') {
      message = a;
    } else if (typeof a === 'object' && a !== null) {
      props = a as HttpErrorInit;
    } else if (a !== undefined) {
      throw new TypeError(`ctx.throw(): argument #${i + 1} has unsupported type ${typeof a}`);
    }
  }
  if (
    cause !== undefined &&
    isHttpError(cause) &&
    message === undefined &&
    !statusSet &&
    Object.keys(props).length === 0
  ) {
    return toHttpError(cause);
  }
  const init: HttpErrorInit = cause === undefined || props.cause !== undefined ? props : { ...props, cause };
  return new HttpError(status, message ?? cause?.message, init);
}

/**
 * Normalises anything thrown into the HttpError the error path renders:
 * - an HttpError is returned as is;
 * - an `http-errors`-shaped error (see {@link isHttpError}) keeps its status, `expose`, message,
 *   code and headers;
 * - any other value becomes a 500 — or the 4xx/5xx in its own `status`/`statusCode`, as Koa —
 *   that is never exposed, so its message never reaches the client. The original is the `cause`.
 *
 * @example const e = toHttpError(new Error('secret')) // e.status === 500, e.expose === false
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as Partial<HttpError>;
  if (isHttpError(err)) {
    return new HttpError(statusOf(err)!, typeof e.message === 'string' ? e.message : undefined, {
      expose: e.expose,
      code: typeof e.code === 'string' ? e.code : undefined,
      headers: isHeaderRecord(e.headers) ? e.headers : undefined,
      details: e.details,
      cause: err,
    });
  }
  const status = statusOf(err) ?? 500;
  return new HttpError(status, undefined, {
    expose: false,
    code: status === 500 ? 'ERR_INTERNAL' : undefined,
    headers: isHeaderRecord(e.headers) ? e.headers : undefined,
    cause: err,
  });
}

/** A 4xx/5xx in `status` or `statusCode`, or undefined. */
function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { status?: unknown; statusCode?: unknown };
  const s = typeof e.status === 'number' ? e.status : e.statusCode;
  return typeof s === 'number' && Number.isInteger(s) && s >= 400 && s <= 599 ? s : undefined;
}

/** An Error from another realm fails `instanceof Error`; its brand does not. */
function isErrorLike(v: unknown): boolean {
  return Object.prototype.toString.call(v) === '[object Error]';
}

function isHeaderRecord(v: unknown): v is Record<string, string | string[]> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
