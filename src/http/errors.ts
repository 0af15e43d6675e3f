/**
 * The one registry of the server's stable error codes (the parser's `HPE_*` codes live in
 * `src/parser/errors.ts`). `docs/errors.md` lists the same rows; a test keeps the two in sync.
 *
 * Contract: every code here is raised somewhere in `src/`, and code outside this file raises a
 * registered error through {@link errorFor} (or names the code literally where a module may not
 * import from core), so status and wording live in one place.
 */
import { HttpError, type HttpErrorProps } from './http-error.js';

export const ERRORS = {
  ERR_INTERNAL: {
    status: 500,
    message: 'An error that is not an HttpError: answered with the stock title, never its message',
  },
  ERR_HTTP: { status: 500, message: 'An HttpError thrown without a more specific code (its own status is answered)' },
  ERR_NOT_FOUND: { status: 404, message: 'No middleware set a response' },
  ERR_MISSING_HOST: { status: 400, message: 'HTTP/1.1 request without exactly one Host header field' },
  ERR_INVALID_HOST: {
    status: 400,
    message: 'A Host header field that is not host[:port] (userinfo, a path, a stray delimiter)',
  },
  ERR_UNSUPPORTED_TRANSFER_CODING: { status: 501, message: 'A transfer coding other than chunked' },
  ERR_EXPECTATION_FAILED: { status: 417, message: 'An Expect value other than 100-continue' },
  ERR_UPGRADE_REQUIRED: {
    status: 426,
    message: 'An Upgrade request nothing takes, or a plain request to a path served only as a WebSocket',
  },
  // WebSockets (ctx.upgrade(), allowOrigins()).
  ERR_WEBSOCKET_VERSION: { status: 426, message: 'A WebSocket upgrade with a Sec-WebSocket-Version other than 13' },
  ERR_WEBSOCKET_HANDSHAKE: {
    status: 400,
    message: 'A WebSocket upgrade with a missing or malformed Sec-WebSocket-Key, or an offer ws refused',
  },
  ERR_ORIGIN_FORBIDDEN: { status: 403, message: 'A request whose Origin is not one allowOrigins() accepts' },
  ERR_CONNECT_UNSUPPORTED: { status: 501, message: 'A CONNECT request with no upgrade listener' },
  ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received within the timeout' },
  ERR_SERVER_CLOSING: {
    status: 503,
    message: 'The server is shutting down: the reason ctx.signal gives a streaming response or an upgraded connection',
  },
  ERR_NEXT_CALLED_TWICE: { status: 500, message: 'next() called more than once in one middleware' },
  ERR_MISSING_AWAIT: { status: 500, message: 'Middleware resolved before downstream — missing await?' },
  // Router (src/router); the router names its codes literally, since it may not import this table.
  ERR_ROUTER_FROZEN: {
    status: 500,
    message: 'A route or use() added after the router (or one it is mounted in) started serving',
  },
  ERR_ROUTER_CONFLICT: {
    status: 500,
    message: 'Two routes of one method that no request can tell apart, or a duplicate route name',
  },
  ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'The path is served, but only with other methods' },
  ERR_METHOD_NOT_IMPLEMENTED: {
    status: 501,
    message: 'No route in any router the request passed through serves this method',
  },
  ERR_BAD_PARAM: { status: 400, message: 'A route param with malformed percent-encoding' },
  // Middleware (src/middleware): static files.
  ERR_STATIC_FORBIDDEN: {
    status: 403,
    message: 'A static path that tries to leave the root, or a file the server may not read',
  },
  ERR_STATIC_DOTFILE: { status: 403, message: 'A static path with a dotfile segment, under dotfiles: deny' },
  ERR_STATIC_MALFORMED_PATH: { status: 400, message: 'A static path with malformed percent-encoding' },
  ERR_PRECONDITION_FAILED: { status: 412, message: 'If-Match or If-Unmodified-Since failed' },
  ERR_RANGE_NOT_SATISFIABLE: { status: 416, message: 'No range of the Range header overlaps the file' },
  // Middleware (src/middleware): bodies, validation.
  ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body (declared, received or decoded) is over the limit' },
  ERR_BODY_INVALID_JSON: { status: 400, message: 'The JSON body does not parse' },
  ERR_BODY_EMPTY_JSON: { status: 400, message: 'A JSON Content-Type with an empty body' },
  ERR_BODY_FORBIDDEN_KEY: {
    status: 400,
    message: 'A body with a __proto__ key, or constructor.prototype (prototype poisoning)',
  },
  ERR_BODY_INVALID_ENCODING: { status: 400, message: 'A compressed body whose data does not decode' },
  ERR_BODY_ABORTED: { status: 400, message: 'The request body ended before it was complete' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'A body whose Content-Type no enabled parser accepts' },
  ERR_UNSUPPORTED_CONTENT_ENCODING: {
    status: 415,
    message: 'A Content-Encoding other than gzip, deflate, br or identity',
  },
  ERR_UNSUPPORTED_CHARSET: { status: 415, message: 'A body charset the parser cannot decode' },
  ERR_VALIDATION: { status: 400, message: 'The request does not match the route schema' },
  ERR_RESPONSE_VALIDATION: {
    status: 500,
    message: "A handler's response does not match the route's declared response (checked outside production)",
  },
  // Multipart bodies (src/http/multipart.ts, body({ multipart })).
  ERR_MULTIPART_BOUNDARY: { status: 400, message: 'A multipart/form-data Content-Type without a valid boundary' },
  ERR_MULTIPART_MALFORMED: {
    status: 400,
    message: 'A multipart body that does not parse, or ends before its closing boundary',
  },
  ERR_MULTIPART_LIMIT: {
    status: 413,
    message: 'A multipart body over one of its limits (fileSize, files, fields, fieldSize, parts)',
  },
  ERR_MULTIPART_FILE_TYPE: { status: 415, message: 'A file part whose type the route does not accept' },
} as const satisfies Record<string, { status: number; message: string }>;

/** A stable server error code. */
export type ErrorCode = keyof typeof ERRORS;

/**
 * The registered error for `code`, with its status; `message` replaces the registry's wording
 * (it is exposed to the client only for a 4xx) and says what happened to this request.
 *
 * @example throw errorFor('ERR_BODY_TOO_LARGE', `Request body over the limit of ${limit} bytes`)
 */
export function errorFor(code: ErrorCode, message?: string, props: Omit<HttpErrorProps, 'code'> = {}): HttpError {
  const e = ERRORS[code];
  return new HttpError(e.status, message ?? e.message, { ...props, code });
}
