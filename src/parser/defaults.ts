/**
 * Parser limits, in one place. The core's `defaults.ts` re-exports these next to the server's
 * own limits, so every default the project ships can be read in two short files.
 *
 * Values follow the peers users compare us with: 8 KiB request line (nginx
 * `large_client_header_buffers`, 414 above it), 16 KiB header block and 431 (h11 and Node),
 * 100 fields (Node's `maxHeadersCount`), 16 KiB of chunk extensions per message (Node's fix for
 * CVE-2024-22019, where unbounded extensions were a DoS).
 */
export const PARSER_DEFAULTS = {
  /** Request line (method, target, version, CRLF, and any empty lines before it). Over it: 414. */
  maxRequestLineBytes: 8 * 1024,
  /** All header field lines after the request line, CRLFs included. Over it: 431. */
  maxHeaderBytes: 16 * 1024,
  /** Header fields per message. Over it: 431. */
  maxHeaderCount: 100,
  /** Chunk-extension bytes summed over one message. Over it: 413. */
  maxChunkExtensionBytes: 16 * 1024,
  /** Trailer section bytes of a chunked message. Over it: 431. */
  maxTrailerBytes: 16 * 1024,
  /** Trailer fields per message. Over it: 431. */
  maxTrailerCount: 100,
} as const;

/** Options of {@link RequestParser}. Every limit has a safe default in `PARSER_DEFAULTS`. */
export interface ParserOptions {
  /** Request line bytes, empty lines before it included (default 8 KiB). Over it: 414. */
  maxRequestLineBytes?: number;
  /** Header block bytes after the request line (default 16 KiB). Over it: 431. */
  maxHeaderBytes?: number;
  /** Header fields per request (default 100). Over it: 431. */
  maxHeaderCount?: number;
  /** Chunk-extension bytes per message (default 16 KiB). Over it: 413. */
  maxChunkExtensionBytes?: number;
  /** Trailer section bytes (default 16 KiB). Over it: 431. */
  maxTrailerBytes?: number;
  /** Trailer fields per message (default 100). Over it: 431. */
  maxTrailerCount?: number;
  /** Extra methods to accept besides `KNOWN_METHODS`, e.g. `['PROPPATCH2']`. Each must be a token. */
  methods?: Iterable<string>;
}
