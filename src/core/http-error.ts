/**
 * `HttpError`: the one error class for HTTP outcomes, shaped like `http-errors` (which Koa uses)
 * so that errors created by Koa middleware are understood too.
 */
import { STATUS_TEXT } from './status.js';

/** Extra properties for an {@link HttpError}. */
export interface HttpErrorProps {
  /** Stable machine-readable code, e.g. `'ERR_VALIDATION'`. */
  code?: string;
  /** Whether `message` may be sent to the client. Default: `status < 500`. */
  expose?: boolean;
  /** Response headers to send with the error, e.g. `{ 'www-authenticate': 'Bearer' }`. */
  headers?: Record<string, string>;
  /** The underlying error. */
  cause?: unknown;
  /** Structured details (e.g. validation errors) merged into the problem+json body when exposed. */
  details?: unknown;
}

/**
 * An error that carries the HTTP status to answer with.
 *
 * @example
 * throw new HttpError(404, 'No such user', { code: 'ERR_USER_NOT_FOUND' })
 */
export class HttpError extends Error {
  readonly status: number;
  readonly statusCode: number;
  readonly expose: boolean;
  readonly code: string;
  readonly headers: Record<string, string> | undefined;
  readonly details: unknown;

  constructor(status: number, message?: string, props: HttpErrorProps = {}) {
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
  }

  /** 400 Bad Request. @example throw HttpError.badRequest('Missing "name"') */
  static badRequest(message?: string, props?: HttpErrorProps): HttpError {
    return new HttpError(400, message, props);
  }

  /** 401 Unauthorized. @example throw HttpError.unauthorized() */
  static unauthorized(message?: string, props?: HttpErrorProps): HttpError {
    return new HttpError(401, message, props);
  }

  /** 403 Forbidden. @example throw HttpError.forbidden() */
  static forbidden(message?: string, props?: HttpErrorProps): HttpError {
    return new HttpError(403, message, props);
  }

  /** 404 Not Found. @example throw HttpError.notFound() */
  static notFound(message?: string, props?: HttpErrorProps): HttpError {
    return new HttpError(404, message, props);
  }

  /** 500 Internal Server Error; never exposed. @example throw HttpError.internal() */
  static internal(message?: string, props?: HttpErrorProps): HttpError {
    return new HttpError(500, message, props);
  }
}

/**
 * Duck-typed check, so errors from another copy of shallot or from `http-errors` (Koa's) count:
 * anything with a numeric 4xx/5xx `status` or `statusCode` and a boolean `expose`.
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
 * Builds an HttpError from Koa-style arguments: `(status, message?, props?)` or `(message, status)`.
 *
 * @example createHttpError(403, 'Nope', { code: 'ERR_NOPE' })
 */
export function createHttpError(status: number | string, message?: string | number | HttpErrorProps, props?: HttpErrorProps): HttpError {
  if (typeof status === 'string') return new HttpError(typeof message === 'number' ? message : 500, status, props);
  if (typeof message === 'object') return new HttpError(status, undefined, message);
  return new HttpError(status, typeof message === 'string' ? message : undefined, props);
}
