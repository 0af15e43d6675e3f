/**
 * The response oracle (test/helpers/response-oracle.ts) judges every connection of every test; it
 * is only worth that if it can fail. Each rule it enforces, fed a stream that breaks it.
 */
import { describe, expect, it } from 'vitest';
import { ResponseOracle } from '../helpers/response-oracle.js';

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';
const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok';

function judge(requests: string, responses: string): string[] {
  const o = new ResponseOracle('t');
  o.input(Buffer.from(requests, 'latin1'));
  o.output(Buffer.from(responses, 'latin1'));
  o.end();
  return o.violations;
}

describe('ResponseOracle', () => {
  it('should accept well-framed answers, one per request, interim 100 included', () => {
    expect(judge(GET + GET, OK + OK)).toEqual([]);
    expect(
      judge(
        'POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx',
        `HTTP/1.1 100 Continue\r\n\r\n${OK}`,
      ),
    ).toEqual([]);
    expect(judge('GET / HTTP/1.0\r\n\r\n', 'HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end')).toEqual([]);
  });

  it.each([
    [
      'Content-Length beside Transfer-Encoding',
      GET,
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
      /does not parse/,
    ],
    ['two answers to one request', GET, OK + OK, /response 2 .* only 1 request/],
    ['a body behind a 204', GET + GET, `HTTP/1.1 204 No Content\r\n\r\nxx${OK}`, /does not parse/],
    ['content in a response to HEAD', 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n', OK, /does not parse|only 1 request/],
    [
      'a 205 with content',
      GET,
      'HTTP/1.1 205 Reset Content\r\ncontent-length: 2\r\n\r\nok',
      /205 response with 2 bytes/,
    ],
    [
      'chunked to HTTP/1.0',
      'GET / HTTP/1.0\r\n\r\n',
      'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n0\r\n\r\n',
      /Transfer-Encoding in a response to an HTTP\/1.0/,
    ],
    [
      '100 Continue to HTTP/1.0',
      'POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx',
      `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      /100 Continue to an HTTP\/1.0/,
    ],
    ['100 Continue nobody asked for', GET, `HTTP/1.1 100 Continue\r\n\r\n${OK}`, /did not ask/],
    [
      'keep-alive on a request that closes',
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
      OK,
      /does not say so/,
    ],
    [
      'bytes after a response that closed',
      GET + GET,
      `HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok${OK}`,
      /after a response that ended the connection|does not parse \(HPE_CLOSED_CONNECTION/,
    ],
    ['a CR injected into a field', GET, 'HTTP/1.1 200 OK\r\nx: a\rb\r\ncontent-length: 2\r\n\r\nok', /does not parse/],
  ])('should reject %s', (_name, req, res, pattern) => {
    const v = judge(req, res);
    expect(v.length).toBeGreaterThan(0);
    expect(v.join('\n')).toMatch(pattern);
  });

  it('should allow one answer for a request that was cut short or malformed, and no more', () => {
    const bad = 'GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /x\x01 HTTP/1.1\r\n\r\n';
    const refusal = 'HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
    expect(judge(bad, OK + refusal)).toEqual([]);
    expect(judge('GET / HTTP/1.1\r\nHo', refusal)).toEqual([]);
    // A bare LF after a request: llhttp skips it, our parser refuses it.
    expect(judge(`${GET}\n`, OK + refusal)).toEqual([]);
    expect(judge(GET, OK + refusal).join('\n')).toMatch(/response 2/);
    expect(judge(GET, OK + refusal.replace('connection: close\r\n', '') + refusal).join('\n')).toMatch(/response 3/);
  });
});
