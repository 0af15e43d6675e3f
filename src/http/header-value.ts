/**
 * Outgoing header names and values, checked where they are set rather than when written, so the
 * error points at the middleware that set them. Each check is one precompiled regular expression:
 * they run on every `ctx.set()`.
 */

/** RFC 9110 §5.5 field-value bytes (latin1 range, no CTLs but HTAB); names must be tokens. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const TOKEN_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Lowercases a header name after checking it is a token (RFC 9110 §5.1).
 *
 * @throws {TypeError} for a name that is not a token
 * @example checkName('X-Id') // 'x-id'
 */
export function checkName(name: string): string {
  if (!TOKEN_NAME.test(name)) throw new TypeError(`Invalid header name: ${JSON.stringify(name)}`);
  return name.toLowerCase();
}

/**
 * Returns a header value after checking it has no CR, LF, NUL or other CTL: a value that could
 * split the response (CWE-113) is an error, never bytes on the wire.
 *
 * @throws {TypeError} for a forbidden character
 * @example checkValue('text/plain') // 'text/plain'
 */
export function checkValue(v: string): string {
  if (INVALID_VALUE.test(v)) throw new TypeError(`Invalid character in header value: ${JSON.stringify(v)}`);
  return v;
}

/**
 * Percent-encodes what may not appear raw in a Location field, keeping what is already encoded
 * (the `encodeurl` package's rule, which Koa uses).
 *
 * @example encodeUrl('/a b?x=<1>') // '/a%20b?x=%3C1%3E'
 */
export function encodeUrl(url: string): string {
  return url.replace(/%(?![0-9A-Fa-f]{2})/g, '%25').replace(/[^\x21-\x7e]|[<>"`{}|\\^]/g, (c) => encodeURIComponent(c));
}

/**
 * Escapes text for an HTML body.
 *
 * @example escapeHtml('<b>') // '&#60;b&#62;'
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
