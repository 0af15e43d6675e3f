/**
 * frameHead(), the one function that frames responses: each of its rules on its own, without a
 * socket. The wire tests (response-framing.test.ts and the oracle on every test) show the same
 * rules from the outside.
 */
import { describe, expect, it } from 'vitest';
import { FRAME, Framing, Reply, frameHead, isHopByHop, type OutgoingHeaders } from '../../src/engine/framing.js';

const V11 = { http10: false, isHead: false };
const V10 = { http10: true, isHead: false };
const HEAD = { http10: false, isHead: true };
const KA = 'keep-alive: timeout=5\r\n';

function headers(h: Record<string, string | string[]> = {}): OutgoingHeaders {
  return Object.assign(Object.create(null) as OutgoingHeaders, h);
}

function frame(
  req: typeof V11,
  status: number,
  h: Record<string, string | string[]>,
  length: number,
  stream = false,
  close = false,
): { head: string; out: Framing } {
  const out = new Framing();
  const r = new Reply(
    status,
    'OK',
    headers(h),
    stream ? null : 'x'.repeat(Math.max(0, length)),
    length,
    stream ? (['x'] as unknown as AsyncIterable<unknown>) : null,
  );
  return { head: frameHead(req, r, close, KA, out), out };
}

const lines = (head: string): string[] =>
  head
    .split('\r\n')
    .slice(1)
    .filter((l) => l !== '' && !l.startsWith('date:'));

describe('frameHead', () => {
  it('should write the status line, the fields, the length, a date and keep-alive, and end with an empty line', () => {
    const { head, out } = frame(V11, 200, { 'content-type': 'text/plain' }, 5);
    expect(head.startsWith('HTTP/1.1 200 OK\r\n')).toBe(true);
    expect(head.endsWith('\r\n\r\n')).toBe(true);
    expect(lines(head)).toEqual(['content-type: text/plain', 'content-length: 5', 'keep-alive: timeout=5']);
    expect(head).toMatch(/\r\ndate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
    expect([out.mode, out.length, out.close]).toEqual([FRAME.LENGTH, 5, false]);
  });

  it('should never write the fields the engine owns, whatever the application set', () => {
    const owned = {
      'content-length': '1',
      'transfer-encoding': 'chunked',
      connection: 'keep-alive',
      'keep-alive': 'x',
      upgrade: 'h2c',
      te: 'trailers',
      trailer: 'x',
      'proxy-connection': 'x',
      'proxy-authorization': 'x',
      'proxy-authenticate': 'x',
    };
    const { head } = frame(V11, 200, owned, 3);
    expect(lines(head)).toEqual(['content-length: 3', 'keep-alive: timeout=5']);
    for (const k of Object.keys(owned)) expect(isHopByHop(k)).toBe(true);
    expect(isHopByHop('content-type')).toBe(false);
  });

  it('should write Proxy-Authenticate on a 407 only', () => {
    expect(frame(V11, 407, { 'proxy-authenticate': 'Basic' }, 0).head).toContain('\r\nproxy-authenticate: Basic\r\n');
  });

  it('should drop the fields a Connection field names, and close when it says close', () => {
    const { head, out } = frame(V11, 200, { connection: 'x-a, close', 'x-a': '1', 'x-b': '2' }, 0);
    expect(lines(head)).toEqual(['x-b: 2', 'content-length: 0', 'connection: close']);
    expect(out.close).toBe(true);
  });

  it.each([
    [204, -1, FRAME.NONE],
    [304, -1, FRAME.NONE],
    [205, 0, FRAME.NONE],
  ])('should give a %i no content (Content-Length %i where one is written)', (status, cl, mode) => {
    const { head, out } = frame(V11, status, {}, 12);
    expect(out.mode).toBe(mode);
    if (cl < 0) expect(head).not.toContain('content-length');
    else expect(head).toContain(`content-length: ${cl}\r\n`);
  });

  it('should give HEAD the length a GET would get, and no content', () => {
    const { head, out } = frame(HEAD, 200, {}, 12);
    expect(head).toContain('content-length: 12\r\n');
    expect(out.mode).toBe(FRAME.NONE);
  });

  it('should chunk a stream of unknown length to HTTP/1.1, and close-delimit it to HTTP/1.0', () => {
    const a = frame(V11, 200, {}, -1, true);
    expect(a.head).toContain('transfer-encoding: chunked\r\n');
    expect([a.out.mode, a.out.close]).toEqual([FRAME.CHUNKED, false]);
    const b = frame(V10, 200, {}, -1, true);
    expect(b.head).not.toContain('transfer-encoding');
    expect(b.head).toContain('connection: close\r\n');
    expect([b.out.mode, b.out.close]).toEqual([FRAME.CLOSE, true]);
  });

  it('should frame a stream with a promised length by that length', () => {
    const { head, out } = frame(V11, 200, {}, 42, true);
    expect(head).toContain('content-length: 42\r\n');
    expect([out.mode, out.length]).toEqual([FRAME.LENGTH, 42]);
  });

  it('should say keep-alive to an HTTP/1.0 client whose connection stays open, and close when it closes', () => {
    expect(frame(V10, 200, {}, 1).head).toContain('connection: keep-alive\r\nkeep-alive: timeout=5\r\n');
    const { head } = frame(V10, 200, {}, 1, false, true);
    expect(head).toContain('connection: close\r\n');
    expect(head).not.toContain('keep-alive');
  });

  it('should keep a date the application set', () => {
    const { head } = frame(V11, 200, { date: 'Thu, 01 Jan 2026 00:00:00 GMT' }, 0);
    expect(head.match(/\r\ndate:/g)).toHaveLength(1);
  });

  it('should write every value of a repeated field', () => {
    expect(frame(V11, 200, { 'set-cookie': ['a=1', 'b=2'] }, 0).head).toContain(
      'set-cookie: a=1\r\nset-cookie: b=2\r\n',
    );
  });

  it.each([
    ['a 1xx status', 103, {}, 'OK'],
    ['a CR LF in a value', 200, { 'x-a': 'v\r\nx-b: 1' }, 'OK'],
    ['a code point latin1 writes as LF', 200, { 'x-a': 'v\u010a' }, 'OK'],
    ['a NUL in a value of a repeated field', 200, { 'x-a': ['ok', 'v\u0000'] }, 'OK'],
    ['a name that is not a lowercase token', 200, { 'X-A': 'v' }, 'OK'],
    ['a name with a space', 200, { 'x a': 'v' }, 'OK'],
    ['a reason phrase with CR', 200, {}, 'OK\rx'],
  ])('should throw on %s, recording nothing', (_name, status, h, reason) => {
    const out = new Framing();
    out.mode = FRAME.CHUNKED;
    expect(() =>
      frameHead(V11, new Reply(status, reason, headers(h as Record<string, string>), '', 0, null), false, KA, out),
    ).toThrow(TypeError);
    expect(out.mode).toBe(FRAME.CHUNKED);
  });
});
