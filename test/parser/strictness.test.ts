/**
 * The parser's strictness rules (issue 3), one behaviour per test. Every input goes through
 * `parseEveryWay`: whole, byte by byte, at seeded random cuts, and with the start of another
 * request appended, so each rule is also checked for chunk-boundary independence.
 */
import { describe, expect, it } from 'vitest';
import { ParseError, PARSE_ERRORS, type ParseErrorCode } from '../../src/parser/errors.js';
import { KNOWN_METHODS } from '../../src/parser/methods.js';
import { RequestParser, type ParserOptions } from '../../src/parser/parser.js';
import { type Message, type Outcome, bytes, drive, parseEveryWay } from './corpus-helpers.js';

const CHUNKED = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n';

function parse(raw: string, options?: ParserOptions): Outcome {
  return parseEveryWay(bytes(raw), options, { finish: true });
}

/** Parses `raw` every way and returns its one complete message; fails on anything else. */
function accept(raw: string, options?: ParserOptions): Message {
  const o = parse(raw, options);
  expect(o.error, o.error?.message).toBeNull();
  expect(o.messages).toHaveLength(1);
  return o.messages[0]!;
}

/**
 * Expects `raw` to be rejected every way with `code`; `at` is the offending byte's offset, or a
 * substring of `raw` whose first occurrence starts at it.
 */
function reject(raw: string, code: ParseErrorCode, at?: number | string): ParseError {
  const o = parse(raw);
  expect(o.error, `accepted: ${JSON.stringify(raw)}`).toBeInstanceOf(ParseError);
  expect(o.error!.code).toBe(code);
  expect(o.error!.status).toBe(PARSE_ERRORS[code].status);
  if (at !== undefined) expect(o.error!.offset).toBe(typeof at === 'number' ? at : raw.indexOf(at));
  return o.error!;
}

/** Offset of the LF that ends the first field line starting with `line` (where field rules are judged). */
function lfAfter(raw: string, line: string): number {
  return raw.indexOf(`${line}\r\n`) + line.length + 1;
}

describe('request line', () => {
  it('should accept every known method', () => {
    for (const m of KNOWN_METHODS) {
      const target = m === 'CONNECT' ? 'example.com:443' : '/';
      expect(parse(`${m} ${target} HTTP/1.1\r\n\r\n`).messages[0]?.method, m).toBe(m);
    }
  });
  it('should reject a method that is not a token with 400', () =>
    reject('G(T / HTTP/1.1\r\n\r\n', 'HPE_INVALID_METHOD', '('));
  it('should reject a request line starting with a control byte', () =>
    reject('\x01GET / HTTP/1.1\r\n\r\n', 'HPE_INVALID_METHOD', 0));
  it('should reject an empty method', () => reject(' / HTTP/1.1\r\n\r\n', 'HPE_INVALID_METHOD', 0));
  it('should answer a well-formed unknown method with 501 HPE_UNKNOWN_METHOD', () =>
    reject('BREW / HTTP/1.1\r\n\r\n', 'HPE_UNKNOWN_METHOD', 4));
  it('should treat the method as case-sensitive', () => reject('get / HTTP/1.1\r\n\r\n', 'HPE_UNKNOWN_METHOD', 3));
  it('should stop scanning an overlong method at 32 bytes', () =>
    reject(`${'A'.repeat(1000)} / HTTP/1.1\r\n\r\n`, 'HPE_UNKNOWN_METHOD', 32));
  it('should accept extra methods given in the methods option', () => {
    expect(accept('BREW /pot HTTP/1.1\r\n\r\n', { methods: ['BREW'] }).method).toBe('BREW');
  });
  it('should refuse a methods option entry that is not a token', () => {
    expect(() => new RequestParser({ methods: ['BR EW'] })).toThrow(TypeError);
    expect(() => new RequestParser({ methods: [''] })).toThrow(TypeError);
  });

  it('should accept an origin-form target with a query', () =>
    expect(accept('GET /a/b?c=d&e HTTP/1.1\r\n\r\n').target).toBe('/a/b?c=d&e'));
  it('should accept an absolute-form target', () =>
    expect(accept('GET http://example.com:80/x?y HTTP/1.1\r\n\r\n').target).toBe('http://example.com:80/x?y'));
  it('should reject an absolute-form target with an empty authority', () =>
    reject('GET http:///x HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', 13));
  it('should reject userinfo in an absolute-form target (RFC 9110 §4.2.4)', () =>
    reject('GET http://u:p@example.com/ HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', 27));
  it('should accept the authority-form with CONNECT', () =>
    expect(accept('CONNECT [::1]:8443 HTTP/1.1\r\n\r\n').target).toBe('[::1]:8443'));
  it('should reject the authority-form with another method', () =>
    reject('GET example.com:443 HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', 19));
  it('should reject CONNECT with an origin-form target', () =>
    reject('CONNECT /x HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', 10));
  it('should reject CONNECT to an authority without a port', () =>
    reject('CONNECT example.com HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', 19));
  it('should accept the asterisk-form with OPTIONS', () =>
    expect(accept('OPTIONS * HTTP/1.1\r\n\r\n').target).toBe('*'));
  it('should reject the asterisk-form with another method', () =>
    reject('GET * HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', 5));
  it('should reject an asterisk followed by more bytes', () =>
    reject('OPTIONS *x HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', 10));
  it('should reject an empty request-target', () => reject('GET  HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', 4));
  it('should reject a tab in the request-target', () => reject('GET /a\tb HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', '\t'));
  it('should reject a control byte in the request-target', () =>
    reject('GET /a\x7f HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', '\x7f'));
  it('should reject non-ASCII bytes in the request-target', () =>
    reject('GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n', 'HPE_INVALID_URL', '\xc3'));
  it('should reject a space inside the request-target', () =>
    reject('GET /a b HTTP/1.1\r\n\r\n', 'HPE_INVALID_CONSTANT', 'b HTTP'));

  it('should accept HTTP/1.0 and HTTP/1.1', () => {
    expect(accept('GET / HTTP/1.0\r\n\r\n').versionMinor).toBe(0);
    expect(accept('GET / HTTP/1.1\r\n\r\n').versionMinor).toBe(1);
  });
  for (const v of ['2.0', '0.9', '1.2', '3.0']) {
    it(`should answer HTTP/${v} with 505 HPE_VERSION_NOT_SUPPORTED`, () =>
      reject(`GET / HTTP/${v}\r\n\r\n`, 'HPE_VERSION_NOT_SUPPORTED', 13));
  }
  it('should reject a non-digit version with 400', () => reject('GET / HTTP/1.x\r\n\r\n', 'HPE_INVALID_VERSION', 'x'));
  it('should reject a version without a dot', () => reject('GET / HTTP/11\r\n\r\n', 'HPE_INVALID_VERSION', 12));
  it('should reject a multi-digit minor version', () => reject('GET / HTTP/1.10\r\n\r\n', 'HPE_INVALID_VERSION', 14));
  it('should reject a lowercase protocol name', () => reject('GET / http/1.1\r\n\r\n', 'HPE_INVALID_CONSTANT', 6));
  it('should reject HTTP/0.9 (no version at all)', () => reject('GET /\r\n\r\n', 'HPE_INVALID_CONSTANT', 5));
  it('should reject whitespace after the version', () => reject('GET / HTTP/1.1 \r\n\r\n', 'HPE_INVALID_VERSION', 14));
  it('should answer the HTTP/2 preface with a clear 505 as soon as PRI is read', () => {
    const err = reject('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'HPE_HTTP2_PREFACE', 3);
    expect(err.reason).toMatch(/HTTP\/2/);
  });
});

describe('line endings', () => {
  it('should reject a bare LF ending the request line', () =>
    reject('GET / HTTP/1.1\nHost: a\r\n\r\n', 'HPE_INVALID_VERSION', '\n'));
  it('should reject a bare CR ending the request line', () =>
    reject('GET / HTTP/1.1\rHost: a\r\n\r\n', 'HPE_STRICT', 'Host'));
  it('should reject a bare CR inside the request line', () =>
    reject('GET /a\rb HTTP/1.1\r\n\r\n', 'HPE_INVALID_CONSTANT', '\r'));
  it('should reject a bare LF before the request line', () => reject('\nGET / HTTP/1.1\r\n\r\n', 'HPE_CR_EXPECTED', 0));
  it('should reject a bare CR before the request line', () => reject('\rGET / HTTP/1.1\r\n\r\n', 'HPE_STRICT', 1));
  it('should reject a bare LF ending a field line', () =>
    reject('GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n', 'HPE_CR_EXPECTED', '\nX'));
  it('should reject a bare CR ending a field line', () =>
    reject('GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n', 'HPE_LF_EXPECTED', 'X:'));
  it('should reject a bare LF ending the header block', () =>
    reject('GET / HTTP/1.1\r\nHost: a\r\n\n', 'HPE_CR_EXPECTED', 25));
  it('should reject a bare CR ending the header block', () =>
    reject('GET / HTTP/1.1\r\nHost: a\r\n\rx', 'HPE_STRICT', 'x'));
  it('should reject a bare LF ending a chunk-size line', () =>
    reject(`${CHUNKED}5\nhello\r\n0\r\n\r\n`, 'HPE_INVALID_CHUNK_SIZE', '\nhello'));
  it('should reject a bare CR ending a chunk-size line', () =>
    reject(`${CHUNKED}5\rhello\r\n0\r\n\r\n`, 'HPE_STRICT', 'hello'));
  it('should reject a bare LF after chunk data', () => reject(`${CHUNKED}5\r\nhello\n0\r\n\r\n`, 'HPE_STRICT', '\n0'));
  it('should reject a bare CR after chunk data', () =>
    reject(`${CHUNKED}5\r\nhello\r0\r\n\r\n`, 'HPE_STRICT', '0\r\n\r\n'));
  it('should reject a bare LF ending a trailer line', () =>
    reject(`${CHUNKED}0\r\nX: y\n\r\n`, 'HPE_CR_EXPECTED', CHUNKED.length + 7));
  it('should reject a bare LF ending the trailer section', () =>
    reject(`${CHUNKED}0\r\n\n`, 'HPE_CR_EXPECTED', CHUNKED.length + 3));
});

describe('field lines', () => {
  it('should reject a field name that is not a token', () =>
    reject('GET / HTTP/1.1\r\nHo(st: a\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN', '('));
  it('should reject non-ASCII in a field name', () =>
    reject('GET / HTTP/1.1\r\nH\xe9: a\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN', '\xe9'));
  it('should reject an empty field name', () =>
    reject('GET / HTTP/1.1\r\n: a\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN', 16));
  it('should reject a field line without a colon', () =>
    reject('GET / HTTP/1.1\r\nHost\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN', 20));
  it('should reject whitespace before the colon', () =>
    reject('GET / HTTP/1.1\r\nHost : a\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN', ' :'));
  it('should reject whitespace between the request line and the first field', () =>
    reject('GET / HTTP/1.1\r\n Host: a\r\n\r\n', 'HPE_UNEXPECTED_SPACE', 16));
  for (const [name, byte] of [
    ['NUL', '\x00'],
    ['DEL', '\x7f'],
    ['a control byte', '\x01'],
    ['a form feed', '\x0c'],
  ] as const) {
    it(`should reject ${name} in a field value`, () =>
      reject(`GET / HTTP/1.1\r\nX: a${byte}b\r\n\r\n`, 'HPE_INVALID_HEADER_TOKEN', byte));
  }
  it('should keep HTAB and obs-text inside a value and trim the OWS around it', () => {
    expect(accept('GET / HTTP/1.1\r\nX: \t a\tb\xff \t \r\n\r\n').headers).toEqual([['X', 'a\tb\xff']]);
  });
  it('should accept empty values and values of only whitespace as empty', () => {
    expect(accept('GET / HTTP/1.1\r\nX:\r\nY:   \t\r\n\r\n').headers).toEqual([
      ['X', ''],
      ['Y', ''],
    ]);
  });
  it('should keep field names as sent and duplicates in wire order', () => {
    expect(accept('GET / HTTP/1.1\r\nx-A: 1\r\nX-a: 2\r\n\r\n').headers).toEqual([
      ['x-A', '1'],
      ['X-a', '2'],
    ]);
  });
  it('should reject obs-fold with a space (RFC 9112 §5.2)', () =>
    reject('GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN', ' b'));
  it('should reject obs-fold with a tab', () =>
    reject('GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n', 'HPE_INVALID_HEADER_TOKEN', '\tb'));
});

describe('Content-Length', () => {
  const cl = (v: string): string => `POST / HTTP/1.1\r\nContent-Length: ${v}\r\n\r\n`;
  it('should frame the body by Content-Length', () => {
    expect(accept(`${cl('5')}hello`)).toMatchObject({ body: 'hello', contentLength: 5, chunked: false });
  });
  it('should accept leading zeros and surrounding OWS', () => {
    expect(accept(`${cl('007')}1234567`)).toMatchObject({ contentLength: 7, body: '1234567' });
    expect(accept(`${cl(' \t5 \t')}12345`)).toMatchObject({ contentLength: 5, headers: [['Content-Length', '5']] });
  });
  for (const v of ['abc', '-1', '+1', '1.0', '0x10', '1 2', '5, 5', '5,5', '']) {
    it(`should reject Content-Length ${JSON.stringify(v)} (digits only)`, () =>
      reject(cl(v), 'HPE_INVALID_CONTENT_LENGTH', lfAfter(cl(v), `Content-Length: ${v}`)));
  }
  it('should accept the largest safe Content-Length and reject one more', () => {
    const o = parse(cl('9007199254740991'));
    expect(o.partial?.contentLength).toBe(Number.MAX_SAFE_INTEGER);
    reject(cl('9007199254740992'), 'HPE_INVALID_CONTENT_LENGTH');
    reject(cl('99999999999999999999999'), 'HPE_INVALID_CONTENT_LENGTH');
  });
  it('should reject a duplicate Content-Length even when identical', () => {
    const raw = 'POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello';
    reject(raw, 'HPE_UNEXPECTED_CONTENT_LENGTH', raw.lastIndexOf('\r\n\r\n') + 1);
  });
  it('should reject differing Content-Length fields', () =>
    reject('POST / HTTP/1.1\r\nContent-Length: 5\r\ncontent-length: 6\r\n\r\n', 'HPE_UNEXPECTED_CONTENT_LENGTH'));
  it('should reject Content-Length with Transfer-Encoding', () => {
    reject(
      'POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      'HPE_INVALID_TRANSFER_ENCODING',
      63,
    );
  });
  it('should reject Transfer-Encoding with Content-Length', () => {
    reject(
      'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n',
      'HPE_INVALID_CONTENT_LENGTH',
      63,
    );
  });
});

describe('Transfer-Encoding', () => {
  const te = (...v: string[]): string =>
    `POST / HTTP/1.1\r\n${v.map((x) => `Transfer-Encoding: ${x}\r\n`).join('')}\r\n`;
  it('should frame the body as chunked when chunked is the last coding', () => {
    expect(accept(`${te('gzip, chunked')}0\r\n\r\n`).chunked).toBe(true);
    expect(accept(`${te('gzip', 'Chunked')}0\r\n\r\n`).chunked).toBe(true);
  });
  it('should reject a request whose last coding is not chunked (RFC 9112 §6.3)', () =>
    reject(te('gzip'), 'HPE_INVALID_TRANSFER_ENCODING', te('gzip').length - 1));
  it('should reject a coding after chunked', () => reject(te('chunked, gzip'), 'HPE_INVALID_TRANSFER_ENCODING'));
  it('should reject a coding after chunked in a later field', () =>
    reject(te('chunked', 'gzip'), 'HPE_INVALID_TRANSFER_ENCODING'));
  it('should reject chunked applied twice in one field', () =>
    reject(te('chunked, chunked'), 'HPE_INVALID_TRANSFER_ENCODING'));
  it('should reject chunked applied twice across fields', () =>
    reject(te('chunked', 'chunked'), 'HPE_INVALID_TRANSFER_ENCODING'));
  it('should reject an empty Transfer-Encoding', () => reject(te(''), 'HPE_INVALID_TRANSFER_ENCODING'));
  it('should reject a coding that is not a token', () =>
    reject(te('gz(ip), chunked'), 'HPE_INVALID_TRANSFER_ENCODING'));
  it('should reject Transfer-Encoding in HTTP/1.0 (RFC 9112 §6.1)', () => {
    reject('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'HPE_INVALID_TRANSFER_ENCODING', 44);
  });
});

describe('chunked body', () => {
  it('should join chunk data and accept sizes in either case with leading zeros', () => {
    expect(accept(`${CHUNKED}5\r\nhello\r\nA\r\n 012345678\r\n0000000000000001\r\n!\r\n00\r\n\r\n`).body).toBe(
      'hello 012345678!',
    );
    expect(accept(`${CHUNKED}a\r\n0123456789\r\n0\r\n\r\n`).body).toBe('0123456789');
  });
  it('should reject a chunk size that overflows', () =>
    reject(`${CHUNKED}fffffffffffffff\r\n`, 'HPE_INVALID_CHUNK_SIZE'));
  it('should reject a chunk size with more than 16 digits', () =>
    reject(`${CHUNKED}00000000000000001\r\n`, 'HPE_INVALID_CHUNK_SIZE', CHUNKED.length + 16));
  for (const [name, line, at] of [
    ['a non-hex byte', '5g', 1],
    ['a sign', '-5', 0],
    ['a 0x prefix', '0x5', 1],
    ['no digits', '', 0],
    ['whitespace and no extension', '5 ', 2],
  ] as const) {
    it(`should reject a chunk size with ${name}`, () =>
      reject(`${CHUNKED}${line}\r\nhello\r\n0\r\n\r\n`, 'HPE_INVALID_CHUNK_SIZE', CHUNKED.length + at));
  }
  it('should reject a missing last chunk', () => reject(`${CHUNKED}5\r\nhello\r\nPOST`, 'HPE_INVALID_CHUNK_SIZE'));
  it('should reject chunk data longer than its size', () =>
    reject(`${CHUNKED}3\r\nhello\r\n0\r\n\r\n`, 'HPE_STRICT', 'lo'));

  for (const ext of [
    ';name',
    ';name=value',
    ';a;b=c',
    ';q="quoted \\"escaped\\" \\\\ value"',
    ' ; name = value ',
    ' ;a',
    ';a="" ; b="\t\xff"',
  ]) {
    it(`should accept the chunk extension ${JSON.stringify(ext)}`, () => {
      // Trailing whitespace before CRLF is not in the grammar, so ' ; name = value ' gets a last byte.
      const e = ext.endsWith(' ') ? `${ext};z` : ext;
      expect(accept(`${CHUNKED}5${e}\r\nhello\r\n0${e}\r\n\r\n`).body).toBe('hello');
    });
  }
  for (const [name, ext, code] of [
    ['a semicolon without a name', ';', 'HPE_STRICT'],
    ['an unbalanced quote', ';a="open', 'HPE_STRICT'],
    ['a value without a name', ';=v', 'HPE_STRICT'],
    ['an empty value', ';a=', 'HPE_STRICT'],
    ['whitespace before the CRLF', ';a ', 'HPE_STRICT'],
    ['a control byte in a quoted value', ';a="\x01"', 'HPE_STRICT'],
    ['bytes after a quoted value', ';a="b"c', 'HPE_STRICT'],
    ['whitespace inside a token value', ';a=b c', 'HPE_STRICT'],
    ['an extension without a semicolon', ' a', 'HPE_INVALID_CHUNK_SIZE'],
  ] as const) {
    it(`should reject a chunk extension with ${name}`, () => reject(`${CHUNKED}5${ext}\r\nhello\r\n0\r\n\r\n`, code));
  }

  it('should return trailer fields with the end of the message, OWS trimmed', () => {
    const m = accept(`${CHUNKED}5\r\nhello\r\n0\r\nX-Sum: \t abc \r\nVary: *\r\n\r\n`);
    expect(m.trailers).toEqual([
      ['X-Sum', 'abc'],
      ['Vary', '*'],
    ]);
  });
  it('should return null trailers when there are none', () =>
    expect(accept(`${CHUNKED}0\r\n\r\n`).trailers).toBeNull());
  it('should not let trailers change framing', () => {
    const m = accept(`${CHUNKED}0\r\nContent-Length: 99\r\nTransfer-Encoding: gzip\r\n\r\n`);
    expect(m).toMatchObject({
      contentLength: -1,
      chunked: true,
      trailers: [
        ['Content-Length', '99'],
        ['Transfer-Encoding', 'gzip'],
      ],
    });
  });
  it('should apply field-line rules to trailers', () => {
    reject(`${CHUNKED}0\r\nX: a\r\n b\r\n\r\n`, 'HPE_INVALID_HEADER_TOKEN', ' b');
    reject(`${CHUNKED}0\r\nX : a\r\n\r\n`, 'HPE_INVALID_HEADER_TOKEN', ' :');
    reject(`${CHUNKED}0\r\nX: a\x00\r\n\r\n`, 'HPE_INVALID_HEADER_TOKEN', '\x00');
  });
});

describe('connection management', () => {
  const keepAlive = (version: string, conn?: string): boolean =>
    accept(`GET / HTTP/${version}\r\n${conn === undefined ? '' : `Connection: ${conn}\r\n`}\r\n`).keepAlive;
  it('should keep an HTTP/1.1 connection alive by default', () => expect(keepAlive('1.1')).toBe(true));
  it('should close an HTTP/1.1 connection on Connection: close, in any case and list position', () => {
    expect(keepAlive('1.1', 'close')).toBe(false);
    expect(keepAlive('1.1', 'foo, CLOSE')).toBe(false);
    expect(keepAlive('1.1', 'closed')).toBe(true);
  });
  it('should close an HTTP/1.0 connection unless keep-alive is asked for', () => {
    expect(keepAlive('1.0')).toBe(false);
    expect(keepAlive('1.0', 'Keep-Alive')).toBe(true);
  });
  it('should let close win over keep-alive', () => {
    expect(keepAlive('1.0', 'keep-alive, close')).toBe(false);
    expect(accept('GET / HTTP/1.1\r\nConnection: close\r\nConnection: keep-alive\r\n\r\n').keepAlive).toBe(false);
  });

  it('should stop at an upgrade and hand back the bytes that follow', () => {
    const o = parse(
      'GET /chat HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello GET / HTTP/1.1\r\n\r\n',
    );
    expect(o.messages).toMatchObject([{ upgrade: true }]);
    expect(o.upgrade?.toString('latin1')).toBe('\x81\x05hello GET / HTTP/1.1\r\n\r\n');
  });
  it('should read an upgrade request body before handing back the rest', () => {
    const o = parse('POST / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: h2c\r\nContent-Length: 3\r\n\r\nabcdef');
    expect(o.messages).toMatchObject([{ upgrade: true, body: 'abc' }]);
    expect(o.upgrade?.toString('latin1')).toBe('def');
  });
  it('should not upgrade without both Connection: upgrade and an Upgrade field', () => {
    expect(parse('GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\nGET / HTTP/1.1\r\n\r\n').messages).toMatchObject([
      { upgrade: false },
      { upgrade: false },
    ]);
    expect(accept('GET / HTTP/1.1\r\nConnection: upgrade\r\n\r\n').upgrade).toBe(false);
  });
  it('should stop after CONNECT, ignoring any Content-Length, and hand back the tunnel bytes', () => {
    const o = parse('CONNECT example.com:443 HTTP/1.1\r\nContent-Length: 5\r\n\r\n\x16\x03\x01');
    expect(o.messages).toMatchObject([{ method: 'CONNECT', upgrade: true, body: '' }]);
    expect(o.upgrade?.toString('latin1')).toBe('\x16\x03\x01');
  });
  it('should hand over later bytes of an upgraded connection, once each', () => {
    const p = new RequestParser();
    p.push(bytes('CONNECT a:1 HTTP/1.1\r\n\r\nab'));
    const kinds: string[] = [];
    for (let ev = p.next(); ev.kind !== 'need-data'; ev = p.next())
      kinds.push(ev.kind === 'upgrade' ? `upgrade:${ev.remaining.toString()}` : ev.kind);
    p.push(bytes('cd'));
    for (let ev = p.next(); ev.kind !== 'need-data'; ev = p.next())
      kinds.push(ev.kind === 'upgrade' ? `upgrade:${ev.remaining.toString()}` : ev.kind);
    expect(kinds).toEqual(['head', 'end', 'upgrade:ab', 'upgrade:cd']);
  });

  it('should flag Expect: 100-continue, in any case', () => {
    expect(accept('POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 0\r\n\r\n')).toBeDefined();
    const p = new RequestParser();
    p.push(bytes('POST / HTTP/1.1\r\nExpect: 100-Continue\r\n\r\n'));
    expect(p.next()).toMatchObject({ kind: 'head', expectContinue: true, expectUnsupported: false });
  });
  it('should flag any other expectation as unsupported', () => {
    const p = new RequestParser();
    p.push(bytes('POST / HTTP/1.1\r\nExpect: 200-ok\r\n\r\n'));
    expect(p.next()).toMatchObject({ kind: 'head', expectContinue: false, expectUnsupported: true });
  });
  it('should count Host fields (0, 1, 2) for the server to enforce', () => {
    for (const n of [0, 1, 2]) {
      const p = new RequestParser();
      p.push(bytes(`GET / HTTP/1.1\r\n${'host: a\r\n'.repeat(n)}X: y\r\n\r\n`));
      expect(p.next()).toMatchObject({ kind: 'head', hostCount: n });
    }
  });

  it('should parse pipelined messages in order', () => {
    const o = parse(
      `GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nab${CHUNKED.replace('/', '/3')}1\r\nc\r\n0\r\nT: t\r\n\r\nGET /4 HTTP/1.1\r\n\r\n`,
    );
    expect(o.messages.map((m) => [m.target, m.body, m.trailers])).toEqual([
      ['/1', '', null],
      ['/2', 'ab', null],
      ['/3', 'c', [['T', 't']]],
      ['/4', '', null],
    ]);
  });
  it('should ignore empty lines before and between requests', () => {
    expect(parse('\r\n\r\nGET /1 HTTP/1.1\r\n\r\n\r\nGET /2 HTTP/1.1\r\n\r\n').messages.map((m) => m.target)).toEqual([
      '/1',
      '/2',
    ]);
  });
  it('should reject data after a message that closes the connection', () => {
    reject('GET / HTTP/1.1\r\nConnection: close\r\n\r\n\r\nGET / HTTP/1.1\r\n\r\n', 'HPE_CLOSED_CONNECTION', 39);
    reject('GET / HTTP/1.0\r\n\r\nX', 'HPE_CLOSED_CONNECTION', 18);
  });
  it('should allow trailing CRLF after a message that closes the connection', () => {
    expect(parse('GET / HTTP/1.1\r\nConnection: close\r\n\r\n\r\n\r\n').error).toBeNull();
  });
});

describe('finish()', () => {
  const finishAfter = (raw: string): string | null =>
    drive([bytes(raw)], undefined, { finish: true }).finishError?.code ?? null;
  it('should be safe before any byte, between messages, after close and after an upgrade', () => {
    for (const raw of [
      '',
      'GET / HTTP/1.1\r\n\r\n',
      'GET / HTTP/1.1\r\n\r\n\r\n',
      'GET / HTTP/1.0\r\n\r\n',
      'CONNECT a:1 HTTP/1.1\r\n\r\nxyz',
    ]) {
      expect(finishAfter(raw), JSON.stringify(raw)).toBeNull();
    }
  });
  it('should throw HPE_INVALID_EOF_STATE inside a message', () => {
    for (const raw of [
      'G',
      'GET / HTTP/1.1\r\n',
      'GET / HTTP/1.1\r\nHost: a',
      'POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab',
      `${CHUNKED}5\r\nhe`,
      `${CHUNKED}0\r\nX: y\r\n`,
      'GET / HTTP/1.1\r\n\r\n\r',
    ]) {
      expect(finishAfter(raw), JSON.stringify(raw)).toBe('HPE_INVALID_EOF_STATE');
    }
  });
  it('should report the stream offset where the stream ended', () => {
    const p = new RequestParser();
    p.push(bytes('GET / HTTP/1.1\r\n'));
    expect(p.next().kind).toBe('need-data');
    expect(() => p.finish()).toThrow(
      expect.objectContaining({ code: 'HPE_INVALID_EOF_STATE', offset: 16, status: 400 }),
    );
  });
});

describe('errors', () => {
  it('should report stream offsets across pushed chunks and messages', () => {
    const p = new RequestParser();
    for (const piece of ['GET / HTTP/1.1\r\n\r\nGET / HT', 'TP/1.1\r\nX: a', 'b\x00c\r\n\r\n']) p.push(bytes(piece));
    const err = (() => {
      try {
        for (let ev = p.next(); ev.kind !== 'need-data'; ev = p.next());
      } catch (e) {
        return e as ParseError;
      }
      return null;
    })();
    expect(err).toMatchObject({ code: 'HPE_INVALID_HEADER_TOKEN', offset: 18 + 16 + 5 });
  });
  it('should keep throwing the same error once failed, even after more bytes', () => {
    const p = new RequestParser();
    p.push(bytes('GET / HTTP/1.1\r\nX : y\r\n\r\n'));
    let first: unknown;
    try {
      p.next();
    } catch (e) {
      first = e;
    }
    expect(first).toBeInstanceOf(ParseError);
    p.push(bytes('GET / HTTP/1.1\r\n\r\n'));
    expect(() => p.next()).toThrow(first as Error);
    try {
      p.next();
    } catch (e) {
      expect(e).toBe(first);
    }
    expect(() => p.finish()).toThrow(first as Error);
  });
  it('should carry code, reason, offset and the status from PARSE_ERRORS', () => {
    const err = reject('GET / HTTP/9.9\r\n\r\n', 'HPE_VERSION_NOT_SUPPORTED', 13);
    expect(err).toMatchObject({ name: 'ParseError', status: 505 });
    expect(err.reason.length).toBeGreaterThan(0);
    expect(err.message).toContain('HPE_VERSION_NOT_SUPPORTED');
  });
});
