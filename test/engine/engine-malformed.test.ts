/**
 * Malformed and refused requests over raw `net.connect` (clients cannot send these bytes): each is
 * answered with its status as `application/problem+json` with a stable `code` and
 * `Connection: close`, then the server closes. Requests before the bad one in the same pipeline
 * are answered first; bytes after it are never read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { get, rawRequest, type RawResult } from '../helpers/raw-client.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

interface Case {
  name: string;
  bytes: string;
  status: number;
  code: string;
}

const CASES: Case[] = [
  {
    name: 'a bare LF ending a header line',
    bytes: 'GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n',
    status: 400,
    code: 'HPE_CR_EXPECTED',
  },
  {
    name: 'a bare LF ending the request line',
    bytes: 'GET / HTTP/1.1\nHost: x\r\n\r\n',
    status: 400,
    code: 'HPE_INVALID_VERSION',
  },
  {
    name: 'a header name with a space in it',
    bytes: 'GET / HTTP/1.1\r\nHost: x\r\nBad Name: y\r\n\r\n',
    status: 400,
    code: 'HPE_INVALID_HEADER_TOKEN',
  },
  {
    name: 'whitespace before the colon',
    bytes: 'GET / HTTP/1.1\r\nHost : x\r\n\r\n',
    status: 400,
    code: 'HPE_INVALID_HEADER_TOKEN',
  },
  {
    name: 'Content-Length with Transfer-Encoding',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    status: 400,
    code: 'HPE_INVALID_TRANSFER_ENCODING',
  },
  {
    name: 'two different Content-Length fields',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    status: 400,
    code: 'HPE_UNEXPECTED_CONTENT_LENGTH',
  },
  {
    name: 'a header block over maxHeaderBytes',
    bytes: `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    status: 431,
    code: 'HPE_HEADER_OVERFLOW',
  },
  {
    name: 'a request line over maxRequestLineBytes',
    bytes: `GET /${'a'.repeat(9 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    status: 414,
    code: 'HPE_URI_TOO_LONG',
  },
  {
    name: 'an unknown method',
    bytes: 'BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n',
    status: 501,
    code: 'HPE_UNKNOWN_METHOD',
  },
  {
    name: 'HTTP/2.0 in the request line',
    bytes: 'GET / HTTP/2.0\r\nHost: x\r\n\r\n',
    status: 505,
    code: 'HPE_VERSION_NOT_SUPPORTED',
  },
  {
    name: 'the HTTP/2 connection preface',
    bytes: 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
    status: 505,
    code: 'HPE_HTTP2_PREFACE',
  },
  {
    name: 'an HTTP/1.1 request without Host',
    bytes: 'GET / HTTP/1.1\r\nAccept: */*\r\n\r\n',
    status: 400,
    code: 'ERR_MISSING_HOST',
  },
  {
    name: 'two Host fields',
    bytes: 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n',
    status: 400,
    code: 'ERR_MISSING_HOST',
  },
  {
    name: 'a Host with userinfo (Host: evil.test:x@good.test)',
    bytes: 'GET / HTTP/1.1\r\nHost: evil.test:x@good.test\r\n\r\n',
    status: 400,
    code: 'ERR_INVALID_HOST',
  },
  {
    name: 'a Host with a path',
    bytes: 'GET / HTTP/1.1\r\nHost: good.test/evil\r\n\r\n',
    status: 400,
    code: 'ERR_INVALID_HOST',
  },
  {
    name: 'a Host with a port that is not a number',
    bytes: 'GET / HTTP/1.1\r\nHost: good.test:80:81\r\n\r\n',
    status: 400,
    code: 'ERR_INVALID_HOST',
  },
  {
    name: 'Transfer-Encoding: gzip, chunked',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    status: 501,
    code: 'ERR_UNSUPPORTED_TRANSFER_CODING',
  },
  {
    name: 'Expect: foo',
    bytes: 'POST / HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 0\r\n\r\n',
    status: 417,
    code: 'ERR_EXPECTATION_FAILED',
  },
];

let handled: string[] = [];

async function start(): Promise<number> {
  handled = [];
  const app = new App({ logger: false });
  app.use((ctx) => {
    handled.push(ctx.path);
    ctx.body = `ok ${ctx.path}`;
  });
  return (await serve(app)).port;
}

function expectProblem(r: RawResult, c: Case, index: number): void {
  const res = r.responses[index]!;
  expect(res.status).toBe(c.status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.headers['connection']).toBe('close');
  const problem = res.json();
  expect(problem['code']).toBe(c.code);
  expect(problem['status']).toBe(c.status);
  expect(typeof problem['title']).toBe('string');
}

describe('Connection (malformed requests)', () => {
  for (const c of CASES) {
    it(`should answer ${c.name} with ${c.status} ${c.code} and close`, async () => {
      const port = await start();
      const r = await rawRequest(port, c.bytes);
      expect(r.responses).toHaveLength(1);
      expectProblem(r, c, 0);
      expect(r.closed).toBe(true);
      expect(r.rest.length).toBe(0);
      expect(handled).toEqual([]);
    });

    it(`should answer the requests before ${c.name} first, and nothing after it`, async () => {
      const port = await start();
      const r = await rawRequest(port, get('/before-1') + get('/before-2') + c.bytes + get('/after'));
      expect(r.responses.map((x) => x.status)).toEqual([200, 200, c.status]);
      expect(r.responses[0]!.text()).toBe('ok /before-1');
      expect(r.responses[1]!.text()).toBe('ok /before-2');
      expect(r.responses[0]!.headers['connection']).toBeUndefined();
      expectProblem(r, c, 2);
      expect(r.closed).toBe(true);
      expect(r.rest.length).toBe(0);
      expect(handled).not.toContain('/after');
    });
  }

  it('should take every Host of the form host[:port]: names, IPv4, IPv6 literals, empty', async () => {
    const port = await start();
    const hosts = ['example.com', 'example.com:8080', '127.0.0.1:1', '[::1]:8443', '[v1.fe80::a+en1]', 'a_b.local', ''];
    const r = await rawRequest(
      port,
      hosts.map((h) => `GET /${hosts.indexOf(h)} HTTP/1.1\r\nHost: ${h}\r\n\r\n`).join(''),
    );
    expect(r.responses.map((x) => x.status)).toEqual(hosts.map(() => 200));
  });

  it('should answer a malformed request that arrives one byte per write', async () => {
    const port = await start();
    const c = CASES[0]!;
    const r = await rawRequest(port, get('/ok') + c.bytes, { byteByByte: true });
    expect(r.responses.map((x) => x.status)).toEqual([200, c.status]);
    expectProblem(r, c, 1);
    expect(r.closed).toBe(true);
  });

  it('should answer 431 as soon as the header limit is crossed, without waiting for the end of the head', async () => {
    const port = await start();
    // No CRLFCRLF ever arrives: the limit is enforced while counting bytes, not after buffering.
    const r = await rawRequest(port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20 * 1024)}`);
    expect(r.responses.map((x) => x.status)).toEqual([431]);
    expect(r.closed).toBe(true);
  });

  it('should answer a 400 for garbage in place of a request line', async () => {
    const port = await start();
    const r = await rawRequest(port, '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03');
    expect(r.responses).toHaveLength(1);
    expect(r.responses[0]!.status).toBe(400);
    expect(r.responses[0]!.headers['connection']).toBe('close');
    expect(r.closed).toBe(true);
  });
});
