/**
 * `reset(offset)` and `drained`: what a server needs to pool the parsers of idle connections. A
 * reset parser must behave exactly as a new one (whatever state it was left in), counting stream
 * offsets from the offset it was given.
 */
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/parser/errors.js';
import type { ParseEvent } from '../../src/parser/events.js';
import { RequestParser } from '../../src/parser/parser.js';

const GOOD = 'POST /a?b=1 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n0\r\nT: 1\r\n\r\n';

/** Every event of `input` as plain data, or the error that stopped it. */
function run(p: RequestParser, input: string): unknown[] {
  p.push(Buffer.from(input, 'latin1'));
  const out: unknown[] = [];
  try {
    for (let ev: ParseEvent = p.next(); ev.kind !== 'need-data'; ev = p.next()) {
      if (ev.kind === 'head')
        out.push({
          head: ev.method,
          target: ev.target,
          raw: [...ev.rawHeaders],
          framing: ev.framing,
          keepAlive: ev.keepAlive,
        });
      else if (ev.kind === 'body') out.push({ body: ev.data.toString('latin1') });
      else if (ev.kind === 'end') out.push({ end: ev.trailers });
      else out.push({ kind: ev.kind });
    }
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    out.push({ error: err.code, offset: err.offset });
  }
  return out;
}

describe('RequestParser.reset', () => {
  const leftIn = {
    'the middle of a request line': 'GET /very-long-path',
    'the middle of a field': 'GET / HTTP/1.1\r\nHost: x\r\nX-Long: abc',
    'a chunked body': 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab',
    'a Content-Length body': 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc',
    'a failed state': 'GET / HTTP/1.1\r\nBad Name: x\r\n\r\n',
    'a closed connection': 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    'an upgrade': 'GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade: ws\r\n\r\nraw',
  };
  for (const [where, input] of Object.entries(leftIn)) {
    it(`should make a parser left in ${where} parse as a new one`, () => {
      const used = new RequestParser({ maxHeaderBytes: 200 });
      run(used, input);
      used.reset();
      expect(run(used, GOOD)).toEqual(run(new RequestParser({ maxHeaderBytes: 200 }), GOOD));
    });
  }

  it('should count error offsets from the offset it is given', () => {
    const bad = 'GET / HTTP/1.1\r\nBad Name: x\r\n\r\n';
    const p = new RequestParser();
    run(p, GOOD);
    p.reset(1000);
    const fresh = run(new RequestParser(), bad);
    expect(run(p, bad)).toEqual([{ ...(fresh[0] as object), offset: (fresh[0] as { offset: number }).offset + 1000 }]);
    expect((fresh[0] as { error: string }).error).toBe('HPE_INVALID_HEADER_TOKEN');
  });

  it('should keep its limits across a reset', () => {
    const p = new RequestParser({ maxRequestLineBytes: 20 });
    run(p, GOOD);
    p.reset();
    expect(run(p, `GET /${'a'.repeat(30)} HTTP/1.1\r\n\r\n`)).toMatchObject([{ error: 'HPE_URI_TOO_LONG' }]);
  });
});

describe('RequestParser.drained', () => {
  it('should be true only between messages with every pushed byte consumed', () => {
    const p = new RequestParser();
    expect(p.drained).toBe(true);
    p.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\n'));
    expect(p.drained).toBe(false); // nothing parsed yet
    expect(p.next().kind).toBe('head');
    expect(p.next().kind).toBe('end');
    expect(p.drained).toBe(false); // the second request's line is still waiting
    expect(p.next().kind).toBe('need-data');
    expect(p.drained).toBe(false); // inside the second head
    p.push(Buffer.from('Host: x\r\n\r\n'));
    expect(p.next().kind).toBe('head');
    expect(p.next().kind).toBe('end');
    expect(p.next().kind).toBe('need-data');
    expect(p.drained).toBe(true);
  });
});
