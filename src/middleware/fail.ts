/**
 * How the middleware set raises its registered errors: status and code come from the core's
 * public `ERRORS` table (one place for both, STYLE rule 6); the message says what happened to this
 * request.
 */
import { ERRORS, type ErrorCode } from '../http/errors.js';
import { HttpError, type HttpErrorProps } from '../http/http-error.js';

/** A registered error with this request's message. */
export function fail(code: ErrorCode, message: string, props: Omit<HttpErrorProps, 'code'> = {}): HttpError {
  return new HttpError(ERRORS[code].status, message, { ...props, code });
}
