/** Regression tests for parser bugs found by the issue 3 test suite and fuzzer (each failed before its fix). */
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/parser/errors.js';
import { RequestParser, type ParserOptions } from '../../src/parser/parser.js';
import { drive, splitAt } from './corpus-helpers.js';

function errorOf(pieces: Buffer[], options?: ParserOptions): ParseError | null {
  return drive(pieces, options).error;
}

describe('parser regressions', () => {
  it('should report HPE_HEADER_OVERFLOW where leading OWS crosses maxHeaderBytes, however the input is cut', () => {
    // Request line 16 bytes, maxHeaderBytes 10: the 11th header byte (offset 26) crosses the limit.
    const raw = Buffer.from(`GET / HTTP/1.1\r\nX:${' '.repeat(20)}v\r\n\r\n`, 'latin1');
    for (const pieces of [[raw], splitAt(raw, [30]), splitAt(raw, [27])]) {
      expect(errorOf(pieces, { maxHeaderBytes: 10 })).toMatchObject({ code: 'HPE_HEADER_OVERFLOW', offset: 26 });
    }
  });
  it('should stop scanning an endless run of OWS at maxHeaderBytes', () => {
    const raw = Buffer.from(`GET / HTTP/1.1\r\nX:${' '.repeat(100_000)}v\r\n\r\n`, 'latin1');
    expect(errorOf([raw])).toMatchObject({ code: 'HPE_HEADER_OVERFLOW', offset: 16 + 16 * 1024 });
  });
  it('should stop scanning an endless run of OWS in a trailer at maxTrailerBytes', () => {
    const head = 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n';
    const raw = Buffer.from(`${head}T:${'\t'.repeat(100)}v\r\n\r\n`, 'latin1');
    expect(errorOf([raw], { maxTrailerBytes: 10 })).toMatchObject({
      code: 'HPE_HEADER_OVERFLOW',
      offset: head.length + 10,
    });
  });
  it('should count queued chunks handed over in an upgrade event in parser.offset', () => {
    const p = new RequestParser();
    p.push(Buffer.from('CONNECT a:1 HTTP/1.1\r\n\r\nab'));
    p.push(Buffer.from('cd'));
    const kinds: string[] = [];
    for (let ev = p.next(); ev.kind !== 'need-data'; ev = p.next())
      kinds.push(ev.kind === 'upgrade' ? `upgrade:${ev.remaining}` : ev.kind);
    expect(kinds).toEqual(['head', 'end', 'upgrade:abcd']);
    expect(p.offset).toBe(28);
  });
  it('should refuse, at construction, an extra method too long for the method scan', () => {
    expect(() => new RequestParser({ methods: ['X'.repeat(32)] })).toThrow(TypeError);
  });
  it('should parse the longest extra method the methods option accepts', () => {
    const m = 'X'.repeat(31);
    const p = new RequestParser({ methods: [m] });
    p.push(Buffer.from(`${m} / HTTP/1.1\r\n\r\n`));
    expect(p.next()).toMatchObject({ kind: 'head', method: m });
  });
});

describe('parser regressions (fuzzer, second run)', () => {
  it('should stop a method scan at the request-line budget, however the input is cut', () => {
    // Empty lines before a request spend request-line budget; a long method after them must fail
    // at the byte where the budget runs out, not where the method happens to end.
    const raw = Buffer.from(`${'\r\n'.repeat(30)}${'A'.repeat(20)}B / HTTP/1.1\r\n\r\n`, 'latin1');
    const opts = { maxRequestLineBytes: 64 };
    for (const pieces of [[raw], splitAt(raw, [61]), splitAt(raw, [63]), splitAt(raw, [65])]) {
      expect(errorOf(pieces, opts)).toMatchObject({ code: 'HPE_URI_TOO_LONG', offset: 64 });
    }
  });
});
