/**
 * The parser's limits: each one accepts input exactly at the limit, rejects one byte or one field
 * over it with its status (414, 431, 413), and is enforced while bytes arrive: an endless stream
 * pushed in small pieces fails in the piece that crosses the limit, never later, so the parser
 * never holds more than a limit's worth of an unfinished token.
 *
 * What each byte limit counts (the same as `docs/parser.md`): maxRequestLineBytes the request line
 * with its CRLF and any empty lines before it; maxHeaderBytes every header field line with its
 * CRLF plus the empty line ending the block; maxTrailerBytes likewise for the trailer section
 * (after the last-chunk line); maxChunkExtensionBytes every byte from the `;` (or BWS) after a
 * chunk size to the CR, summed over one message.
 */
import { describe, expect, it } from 'vitest';
import { PARSER_DEFAULTS } from '../../src/parser/defaults.js';
import { ParseError, type ParseErrorCode } from '../../src/parser/errors.js';
import { RequestParser, type ParserOptions } from '../../src/parser/parser.js';
import { bytes, parseEveryWay } from './corpus-helpers.js';

const CHUNKED = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';

function outcome(raw: string, options: ParserOptions): { ok: number } | { code: ParseErrorCode; status: number } {
  const o = parseEveryWay(bytes(raw), options);
  return o.error === null ? { ok: o.messages.length } : { code: o.error.code, status: o.error.status };
}

/**
 * Pushes `prefix` and then `unit` forever, `piece` bytes at a time, draining events after each
 * push, until the parser throws. Returns the error and how many bytes had been pushed.
 */
function streamUntilError(
  prefix: string,
  unit: string,
  piece: number,
  options?: ParserOptions,
): { err: ParseError; pushed: number } {
  const p = new RequestParser(options);
  const source = Buffer.from(prefix + unit.repeat(Math.ceil((1 << 20) / unit.length)), 'latin1');
  let pushed = 0;
  while (pushed < source.length) {
    const next = source.subarray(pushed, pushed + piece);
    p.push(next);
    pushed += next.length;
    try {
      for (let ev = p.next(); ev.kind !== 'need-data'; ev = p.next());
    } catch (err) {
      if (err instanceof ParseError) return { err, pushed };
      throw err;
    }
  }
  throw new Error(`no error after ${pushed} bytes`);
}

/** Asserts the endless stream fails with `code` at or just before `crossing`, in the piece that crossed it. */
function expectEnforcedWhileScanning(
  prefix: string,
  unit: string,
  options: ParserOptions,
  code: ParseErrorCode,
  crossing: number,
): void {
  for (const piece of [1, 7, 4096]) {
    const { err, pushed } = streamUntilError(prefix, unit, piece, options);
    expect(err.code, `piece ${piece}`).toBe(code);
    expect(err.offset, `piece ${piece}`).toBeLessThanOrEqual(crossing + 2);
    expect(err.offset, `piece ${piece}`).toBeGreaterThanOrEqual(crossing - 16);
    // Failing in the piece that holds the offending byte: nothing is buffered past the limit.
    expect(pushed - err.offset, `piece ${piece}`).toBeLessThanOrEqual(piece);
  }
}

describe('maxRequestLineBytes', () => {
  const line = 'GET /some/path?q=1 HTTP/1.1\r\n';
  it('should accept a request line exactly at the limit and answer 414 one byte over', () => {
    expect(outcome(`${line}\r\n`, { maxRequestLineBytes: line.length })).toEqual({ ok: 1 });
    expect(outcome(`${line}\r\n`, { maxRequestLineBytes: line.length - 1 })).toEqual({
      code: 'HPE_URI_TOO_LONG',
      status: 414,
    });
  });
  it('should count empty lines before the request line', () => {
    expect(outcome(`\r\n${line}\r\n`, { maxRequestLineBytes: line.length + 2 })).toEqual({ ok: 1 });
    expect(outcome(`\r\n${line}\r\n`, { maxRequestLineBytes: line.length + 1 })).toEqual({
      code: 'HPE_URI_TOO_LONG',
      status: 414,
    });
  });
  it('should give every pipelined request the whole limit', () => {
    expect(outcome(`${line}\r\n`.repeat(3), { maxRequestLineBytes: line.length })).toEqual({ ok: 3 });
  });
  it('should default to PARSER_DEFAULTS.maxRequestLineBytes', () => {
    const max = PARSER_DEFAULTS.maxRequestLineBytes;
    const at = `GET /${'a'.repeat(max - 'GET / HTTP/1.1\r\n'.length)} HTTP/1.1\r\n\r\n`;
    expect(outcome(at, {})).toEqual({ ok: 1 });
    expect(outcome(at.replace('/a', '/aa'), {})).toEqual({ code: 'HPE_URI_TOO_LONG', status: 414 });
  });
  it('should enforce it while scanning an endless target', () => {
    expectEnforcedWhileScanning('GET /', 'a', {}, 'HPE_URI_TOO_LONG', PARSER_DEFAULTS.maxRequestLineBytes);
    expectEnforcedWhileScanning('GET /', 'a', { maxRequestLineBytes: 100 }, 'HPE_URI_TOO_LONG', 100);
  });
  it('should enforce it while skipping endless empty lines', () => {
    expectEnforcedWhileScanning('', '\r\n', { maxRequestLineBytes: 64 }, 'HPE_URI_TOO_LONG', 64);
  });
  it('should stop an endless method at 32 bytes', () => {
    expectEnforcedWhileScanning('', 'A', {}, 'HPE_UNKNOWN_METHOD', 32);
  });
});

describe('maxHeaderBytes', () => {
  const head = 'GET / HTTP/1.1\r\n';
  const block = 'Host: example.com\r\nAccept:  */* \r\n\r\n';
  it('should accept a header block exactly at the limit and answer 431 one byte over', () => {
    expect(outcome(head + block, { maxHeaderBytes: block.length })).toEqual({ ok: 1 });
    expect(outcome(head + block, { maxHeaderBytes: block.length - 1 })).toEqual({
      code: 'HPE_HEADER_OVERFLOW',
      status: 431,
    });
  });
  it('should not count the request line against it', () => {
    expect(outcome(`GET /${'a'.repeat(500)} HTTP/1.1\r\n${block}`, { maxHeaderBytes: block.length })).toEqual({
      ok: 1,
    });
  });
  it('should enforce it while scanning an endless value, name or run of fields', () => {
    const max = PARSER_DEFAULTS.maxHeaderBytes;
    expectEnforcedWhileScanning(`${head}X: `, 'v', {}, 'HPE_HEADER_OVERFLOW', head.length + max);
    expectEnforcedWhileScanning(`${head}X-`, 'n', {}, 'HPE_HEADER_OVERFLOW', head.length + max);
    expectEnforcedWhileScanning(
      head,
      'A: b\r\n',
      { maxHeaderCount: 1e9, maxHeaderBytes: 300 },
      'HPE_HEADER_OVERFLOW',
      head.length + 300,
    );
  });
});

describe('maxHeaderCount', () => {
  const fields = (n: number): string => Array.from({ length: n }, (_, i) => `F${i}: v\r\n`).join('');
  it('should accept exactly the limit of fields and answer 431 for one more', () => {
    expect(outcome(`GET / HTTP/1.1\r\n${fields(5)}\r\n`, { maxHeaderCount: 5 })).toEqual({ ok: 1 });
    expect(outcome(`GET / HTTP/1.1\r\n${fields(6)}\r\n`, { maxHeaderCount: 5 })).toEqual({
      code: 'HPE_HEADER_OVERFLOW',
      status: 431,
    });
  });
  it('should default to PARSER_DEFAULTS.maxHeaderCount and count per message', () => {
    const n = PARSER_DEFAULTS.maxHeaderCount;
    expect(outcome(`GET / HTTP/1.1\r\n${fields(n)}\r\n`.repeat(2), {})).toEqual({ ok: 2 });
    expect(outcome(`GET / HTTP/1.1\r\n${fields(n + 1)}\r\n`, {})).toEqual({ code: 'HPE_HEADER_OVERFLOW', status: 431 });
  });
  it('should enforce it while fields keep arriving', () => {
    const head = 'GET / HTTP/1.1\r\n';
    expectEnforcedWhileScanning(
      head,
      'X: y\r\n',
      {},
      'HPE_HEADER_OVERFLOW',
      head.length + 6 * PARSER_DEFAULTS.maxHeaderCount,
    );
  });
});

describe('maxChunkExtensionBytes', () => {
  // ';a=b' (4 bytes) on the first chunk and ';c' (2) on the last: 6 per message.
  const msg = `${CHUNKED}5;a=b\r\nhello\r\n0;c\r\n\r\n`;
  it('should accept extensions summing exactly to the limit and answer 413 one byte over', () => {
    expect(outcome(msg, { maxChunkExtensionBytes: 6 })).toEqual({ ok: 1 });
    expect(outcome(msg, { maxChunkExtensionBytes: 5 })).toEqual({ code: 'HPE_CHUNK_EXTENSIONS_OVERFLOW', status: 413 });
  });
  it('should give every message its own budget', () => {
    expect(outcome(msg.repeat(3), { maxChunkExtensionBytes: 6 })).toEqual({ ok: 3 });
  });
  it('should enforce it while scanning one endless extension', () => {
    expectEnforcedWhileScanning(
      `${CHUNKED}5;`,
      'a',
      {},
      'HPE_CHUNK_EXTENSIONS_OVERFLOW',
      CHUNKED.length + 1 + PARSER_DEFAULTS.maxChunkExtensionBytes,
    );
  });
  it('should enforce it over endless small chunks with extensions (CVE-2024-22019)', () => {
    // Each chunk '1;aaaa\r\nx\r\n' spends 5 extension bytes, so the budget runs out in chunk 1 + max / 5.
    const max = 1000;
    const crossing = CHUNKED.length + Math.floor(max / 5) * 11 + 1 + (max % 5);
    expectEnforcedWhileScanning(
      CHUNKED,
      '1;aaaa\r\nx\r\n',
      { maxChunkExtensionBytes: max },
      'HPE_CHUNK_EXTENSIONS_OVERFLOW',
      crossing,
    );
  });
});

describe('maxTrailerBytes and maxTrailerCount', () => {
  const trailers = 'X-Sum: abc\r\nVary: *\r\n\r\n';
  const msg = `${CHUNKED}0\r\n${trailers}`;
  it('should accept a trailer section exactly at the byte limit and answer 431 one byte over', () => {
    expect(outcome(msg, { maxTrailerBytes: trailers.length })).toEqual({ ok: 1 });
    expect(outcome(msg, { maxTrailerBytes: trailers.length - 1 })).toEqual({
      code: 'HPE_HEADER_OVERFLOW',
      status: 431,
    });
  });
  it('should count trailers apart from the header block', () => {
    const head = 'Transfer-Encoding: chunked\r\n\r\n';
    expect(outcome(msg, { maxTrailerBytes: trailers.length, maxHeaderBytes: head.length })).toEqual({ ok: 1 });
  });
  it('should accept exactly the limit of trailer fields and answer 431 for one more', () => {
    expect(outcome(msg, { maxTrailerCount: 2 })).toEqual({ ok: 1 });
    expect(outcome(msg, { maxTrailerCount: 1 })).toEqual({ code: 'HPE_HEADER_OVERFLOW', status: 431 });
  });
  it('should count trailer fields apart from header fields', () => {
    const raw = `POST / HTTP/1.1\r\nA: 1\r\nB: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${trailers}`;
    expect(outcome(raw, { maxHeaderCount: 3, maxTrailerCount: 2 })).toEqual({ ok: 1 });
  });
  it('should enforce both while trailers keep arriving', () => {
    const start = `${CHUNKED}0\r\n`;
    expectEnforcedWhileScanning(
      `${start}T: `,
      'v',
      {},
      'HPE_HEADER_OVERFLOW',
      start.length + PARSER_DEFAULTS.maxTrailerBytes,
    );
    expectEnforcedWhileScanning(
      start,
      'T: v\r\n',
      {},
      'HPE_HEADER_OVERFLOW',
      start.length + 6 * PARSER_DEFAULTS.maxTrailerCount,
    );
  });
});

describe('chunk size digits', () => {
  it('should refuse an endless chunk size after 16 digits', () => {
    expectEnforcedWhileScanning(CHUNKED, '0', {}, 'HPE_INVALID_CHUNK_SIZE', CHUNKED.length + 16);
  });
});
