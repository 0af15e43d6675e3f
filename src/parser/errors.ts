/**
 * The parser's one error type and its table of stable codes.
 *
 * Codes reuse llhttp's `HPE_*` names wherever llhttp reports the same condition, so that logs and
 * dashboards keep their meaning across Node's parser and ours; codes llhttp does not have carry the
 * same prefix. Each code maps to exactly one HTTP status, the one a server should answer with.
 * `docs/errors.md` lists the same table and a test keeps the two in sync.
 */

/** Every parser error code with the status a server answers and a one-line meaning. */
export const PARSE_ERRORS = {
  HPE_INVALID_METHOD: { status: 400, summary: 'The method is not a token (RFC 9110 §9.1).' },
  HPE_UNKNOWN_METHOD: {
    status: 501,
    summary: 'The method is a well-formed token that this server does not implement.',
  },
  HPE_INVALID_URL: {
    status: 400,
    summary: 'The request-target has a forbidden byte or is not in a form allowed for the method.',
  },
  HPE_URI_TOO_LONG: { status: 414, summary: 'The request line exceeds maxRequestLineBytes.' },
  HPE_INVALID_CONSTANT: {
    status: 400,
    summary: 'The protocol is not `HTTP/` (HTTP/0.9, RTSP and ICE are not served).',
  },
  HPE_INVALID_VERSION: {
    status: 400,
    summary: 'The HTTP version is malformed or the request line does not end right after it.',
  },
  HPE_VERSION_NOT_SUPPORTED: { status: 505, summary: 'A well-formed HTTP version other than 1.0 or 1.1.' },
  HPE_HTTP2_PREFACE: {
    status: 505,
    summary: 'An HTTP/2 connection preface (`PRI * HTTP/2.0`): this server speaks HTTP/1.x only.',
  },
  HPE_CR_EXPECTED: { status: 400, summary: 'A bare LF where CRLF is required (RFC 9112 §2.2).' },
  HPE_LF_EXPECTED: { status: 400, summary: 'A bare CR in a header line (RFC 9112 §2.2).' },
  HPE_STRICT: {
    status: 400,
    summary:
      'A framing byte other than the CRLF the grammar requires (after the version, the header block, a chunk), or a malformed chunk extension.',
  },
  HPE_UNEXPECTED_SPACE: {
    status: 400,
    summary: 'Whitespace between the request line and the first header field (RFC 9112 §2.2).',
  },
  HPE_INVALID_HEADER_TOKEN: {
    status: 400,
    summary: 'A field name that is not a token, whitespace before the colon, a forbidden byte in a value, or obs-fold.',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    summary: 'The header block or trailer section exceeds its byte or field-count limit.',
  },
  HPE_INVALID_CONTENT_LENGTH: {
    status: 400,
    summary: 'Content-Length is not 1*DIGIT, overflows, or comes with Transfer-Encoding.',
  },
  HPE_UNEXPECTED_CONTENT_LENGTH: { status: 400, summary: 'More than one Content-Length field (RFC 9112 §6.3).' },
  HPE_INVALID_TRANSFER_ENCODING: {
    status: 400,
    summary:
      'Transfer-Encoding whose final coding is not chunked, chunked applied twice, or Transfer-Encoding with Content-Length.',
  },
  HPE_INVALID_CHUNK_SIZE: { status: 400, summary: 'A chunk size that is not hex, is too long, or overflows.' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    summary: 'Chunk extensions of one message exceed maxChunkExtensionBytes.',
  },
  HPE_CLOSED_CONNECTION: { status: 400, summary: 'Bytes after a message that closes the connection.' },
  HPE_INVALID_EOF_STATE: { status: 400, summary: 'The stream ended in the middle of a message.' },
} as const satisfies Record<string, { status: number; summary: string }>;

/** A stable parser error code, e.g. `'HPE_INVALID_METHOD'`. */
export type ParseErrorCode = keyof typeof PARSE_ERRORS;

/**
 * A request the parser refuses. Thrown by {@link RequestParser.next} and {@link RequestParser.finish};
 * once thrown, the parser stays failed and throws the same error again.
 *
 * @example
 * try { parser.next() } catch (err) {
 *   if (err instanceof ParseError) reply(err.status, err.code) // e.g. 431 HPE_HEADER_OVERFLOW
 * }
 */
export class ParseError extends Error {
  /** Stable machine-readable code; see `docs/errors.md`. */
  readonly code: ParseErrorCode;
  /** What was wrong, for humans; safe to send to the client. */
  readonly reason: string;
  /** Byte offset in the connection's stream (counted from the first byte pushed) where parsing stopped. */
  readonly offset: number;
  /** The HTTP status a server should answer with. */
  readonly status: number;

  constructor(code: ParseErrorCode, reason: string, offset: number) {
    super(`${code}: ${reason} (at byte ${offset})`);
    this.name = 'ParseError';
    this.code = code;
    this.reason = reason;
    this.offset = offset;
    this.status = PARSE_ERRORS[code].status;
  }
}
