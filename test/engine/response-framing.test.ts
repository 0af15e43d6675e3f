/**
 * The engine owns the framing: whatever a handler sets, or copies from an upstream response, every
 * response is delimited the one way its request and status allow (src/engine/framing.ts), and no
 * byte a handler controls can end a field or the head early.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Context } from '../../src/index.js';
import { RawClient, rawRequest } from '../helpers/raw-client.js';
import { closeAll, serve } from '../helpers/server.js';

const upstreams = new Set<http.Server>();
afterEach(async () => {
  await closeAll();
  await Promise.all([...upstreams].map((s) => new Promise((r) => s.close(r))));
  upstreams.clear();
});

function app(handler: (ctx: Context) => unknown): App {
  const a = new App({ logger: false });
  a.use(handler);
  return a;
}

const get = (path = '/', version = '1.1', extra = ''): string =>
  `GET ${path} HTTP/${version}\r\nHost: x\r\n${extra}\r\n`;

describe('fields the engine owns', () => {
  it('should frame a text body by its length whatever Transfer-Encoding the handler set', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.body = 'hello';
        ctx.set('transfer-encoding', 'chunked');
        ctx.set('content-length', '999');
      }),
    );
    const r = await rawRequest(port, get() + get(), { responses: 2 });
    const res = r.responses[0]!;
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.headers['content-length']).toBe('5');
    expect(r.responses.map((x) => x.text())).toEqual(['hello', 'hello']);
  });

  it('should not write hop-by-hop fields a handler set, nor those its Connection field names', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.body = 'x';
        ctx.set('keep-alive', 'timeout=999');
        ctx.set('upgrade', 'h2c');
        ctx.set('te', 'trailers');
        ctx.set('trailer', 'x-sum');
        ctx.set('proxy-connection', 'keep-alive');
        ctx.set('connection', 'x-private');
        ctx.set('x-private', 'secret');
        ctx.set('x-public', 'kept');
      }),
    );
    const { responses } = await rawRequest(port, get(), { responses: 1 });
    const head = responses[0]!.head.toLowerCase();
    for (const name of ['upgrade:', 'te:', 'trailer:', 'proxy-connection:', 'x-private:'])
      expect(head).not.toContain(`\r\n${name}`);
    expect(head).not.toContain('timeout=999');
    expect(responses[0]!.headers['x-public']).toBe('kept');
    expect(responses[0]!.headers['connection']).toBeUndefined();
  });

  it('should honour Connection: close from the handler and close after the response', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.body = 'bye';
        ctx.set('connection', 'close');
      }),
    );
    const r = await rawRequest(port, get() + get());
    expect(r.responses.map((x) => [x.text(), x.headers['connection']])).toEqual([['bye', 'close']]);
  });
});

describe('status rules', () => {
  it('should send a 205 with Content-Length 0 and no content, whatever the body', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.body = 'must not be sent';
        ctx.status = 205;
      }),
    );
    const r = await rawRequest(port, get() + get('/2'), { responses: 2 });
    expect(r.responses.map((x) => [x.status, x.headers['content-length'], x.body.length])).toEqual([
      [205, '0', 0],
      [205, '0', 0],
    ]);
  });

  it('should answer 500 instead of a 1xx status as the final response', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.status = 103;
      }),
    );
    const r = await rawRequest(port, get() + get(), { responses: 2 });
    expect(r.responses.map((x) => x.status)).toEqual([500, 500]);
  });

  it('should send no content to HEAD, with the length a GET would get', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.body = 'twelve bytes';
      }),
    );
    const r = await rawRequest(port, `HEAD / HTTP/1.1\r\nHost: x\r\n\r\n${get()}`, {
      responses: 2,
      methods: ['HEAD', 'GET'],
    });
    expect(r.responses[0]!.headers['content-length']).toBe('12');
    expect(r.responses[1]!.text()).toBe('twelve bytes');
  });
});

describe('HTTP/1.0 clients', () => {
  it('should delimit a stream of unknown length by closing the connection, never with chunked', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.body = Readable.from(['a', 'b', 'c']);
      }),
    );
    const c = await RawClient.connect(port);
    await c.send('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    await c.waitForServerClose();
    const text = c.raw.toString('latin1');
    expect(text.toLowerCase()).not.toContain('transfer-encoding');
    expect(text.toLowerCase()).toContain('connection: close');
    expect(text.endsWith('\r\n\r\nabc')).toBe(true);
  });

  it('should keep an HTTP/1.0 connection that asked for it when the length is known', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.body = 'known';
      }),
    );
    const r = await rawRequest(port, 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n');
    expect(r.responses.map((x) => x.headers['connection'])).toEqual(['keep-alive', 'close']);
  });

  it('should ignore Expect: 100-continue from an HTTP/1.0 client: no interim response', async () => {
    const { port } = await serve(
      app(async (ctx) => {
        const chunks: Buffer[] = [];
        for await (const c of ctx.req) chunks.push(c as Buffer);
        ctx.body = `got ${Buffer.concat(chunks).toString()}`;
      }),
    );
    const c = await RawClient.connect(port);
    await c.send('POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n');
    await c.send('hello');
    await c.waitForServerClose();
    expect(c.raw.toString('latin1')).not.toContain('100 Continue');
    expect(c.responses()[0]!.text()).toBe('got hello');
  });
});

describe('an empty Upgrade field', () => {
  it('should read the request as an ordinary one, and what follows as the next request', async () => {
    const a = app((ctx) => {
      ctx.body = ctx.path;
    });
    a.on('upgrade', (_req, socket) => socket.destroy());
    const { port } = await serve(a);
    const r = await rawRequest(
      port,
      `GET /first HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade:\r\n\r\n${get('/second')}`,
      { responses: 2 },
    );
    expect(r.responses.map((x) => x.text())).toEqual(['/first', '/second']);
  });
});

describe('fields a handler controls cannot split the response', () => {
  it.each([
    ['a code point latin1 writes as CR LF', 'OK\u010d\u010aX-Evil: 1'],
    ['a bare LF', 'OK\nX-Evil: 1'],
    ['a NUL', 'OK\u0000'],
  ])('should refuse a reason phrase with %s', async (_name, msg) => {
    let thrown: unknown = null;
    const { port } = await serve(
      app((ctx) => {
        ctx.body = 'x';
        try {
          ctx.message = msg;
        } catch (err) {
          thrown = err;
        }
        ctx.res.writeHead(200, msg);
      }),
    );
    const { responses, raw } = await rawRequest(port, get(), { responses: 1 });
    expect(thrown).toBeInstanceOf(TypeError);
    expect(responses[0]!.status).toBe(500);
    expect(raw.toString('latin1')).not.toContain('X-Evil');
  });

  it('should answer 500 for a header value written around ctx.set() that would split the head', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.body = 'x';
        ctx.response.headers['x-evil'] = 'a\u010d\u010aset-cookie: owned=1';
      }),
    );
    const { responses, raw } = await rawRequest(port, get(), { responses: 1 });
    expect(responses[0]!.status).toBe(500);
    expect(raw.toString('latin1')).not.toContain('owned=1');
  });

  it('should answer 500 for a header name written around ctx.set() that is not a lowercase token', async () => {
    const { port } = await serve(
      app((ctx) => {
        ctx.body = 'x';
        ctx.response.headers['Content-Length'] = '1';
      }),
    );
    const { responses } = await rawRequest(port, get(), { responses: 1 });
    expect(responses[0]!.status).toBe(500);
  });
});

describe('a proxied fetch Response as the body', () => {
  async function upstream(handler: http.RequestListener): Promise<string> {
    const s = http.createServer(handler);
    upstreams.add(s);
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  }

  const TEXT = 'decoded text '.repeat(200);

  it("should send a gzip upstream's decoded bytes framed by their own length, and the next response after them", async () => {
    const gz = zlib.gzipSync(TEXT);
    const url = await upstream((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': gz.length });
      res.end(gz);
    });
    const { port } = await serve(
      app(async (ctx) => {
        ctx.body = ctx.path === '/proxy' ? await fetch(url) : 'next';
      }),
    );
    const r = await rawRequest(port, get('/proxy') + get('/next'), { responses: 2 });
    const [proxied, next] = r.responses;
    expect(proxied!.headers['content-encoding']).toBeUndefined();
    expect(proxied!.headers['content-length']).not.toBe(String(gz.length));
    expect(proxied!.text()).toBe(TEXT);
    expect(next!.text()).toBe('next');
  });

  it("should write a chunked upstream's framing and connection fields once, its own", async () => {
    const url = await upstream((_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.write('part one, ');
      res.end('part two');
    });
    const { port } = await serve(
      app(async (ctx) => {
        ctx.body = await fetch(url);
      }),
    );
    const { responses } = await rawRequest(port, get(), { responses: 1 });
    const head = responses[0]!.head.toLowerCase();
    expect(head.match(/transfer-encoding/g)?.length).toBe(1);
    expect(head.match(/\r\nkeep-alive/g)?.length).toBe(1);
    expect(head.match(/\r\nconnection/g)).toBeNull();
    expect(responses[0]!.text()).toBe('part one, part two');
  });

  it('should keep each Set-Cookie of the upstream apart', async () => {
    const url = await upstream((_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/']);
      res.end('ok');
    });
    const { port } = await serve(
      app(async (ctx) => {
        ctx.body = await fetch(url);
      }),
    );
    const { responses } = await rawRequest(port, get(), { responses: 1 });
    expect(responses[0]!.head).toContain('set-cookie: a=1; Path=/\r\nset-cookie: b=2; Path=/');
  });
});

describe('the same rules through app.inject', () => {
  const cases: Array<[string, (ctx: Context) => unknown, string, (raw: string, statuses: number[]) => void]> = [
    [
      'a handler-set Transfer-Encoding beside a text body',
      (ctx) => {
        ctx.body = 'hello';
        ctx.set('transfer-encoding', 'chunked');
      },
      get(),
      (raw) => {
        expect(raw).not.toContain('transfer-encoding');
        expect(raw).toMatch(/content-length: 5\r\n[\s\S]*\r\n\r\nhello$/);
      },
    ],
    [
      'a 205 with a body',
      (ctx) => {
        ctx.body = 'x';
        ctx.status = 205;
      },
      get(),
      (raw, statuses) => {
        expect(statuses).toEqual([205]);
        expect(raw.endsWith('\r\n\r\n')).toBe(true);
      },
    ],
    [
      'a 1xx final status',
      (ctx) => {
        ctx.status = 102;
      },
      get(),
      (_raw, statuses) => expect(statuses).toEqual([500]),
    ],
    [
      'a stream to an HTTP/1.0 client',
      (ctx) => {
        ctx.body = Readable.from(['a', 'b']);
      },
      'GET / HTTP/1.0\r\n\r\n',
      (raw) => {
        expect(raw).not.toContain('transfer-encoding');
        expect(raw).toContain('connection: close');
        expect(raw.endsWith('\r\n\r\nab')).toBe(true);
      },
    ],
    [
      'Expect: 100-continue from an HTTP/1.0 client',
      async (ctx) => {
        for await (const _ of ctx.req);
        ctx.body = 'read';
      },
      'POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi',
      (raw, statuses) => {
        expect(statuses).toEqual([200]);
        expect(raw).not.toContain('100 Continue');
      },
    ],
    [
      'an empty Upgrade field',
      (ctx) => {
        ctx.body = ctx.path;
      },
      `GET /a HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nUpgrade:\r\n\r\n${get('/b')}`,
      (raw, statuses) => {
        expect(statuses).toEqual([200, 200]);
        expect(raw).toMatch(/\/a[\s\S]*\/b$/);
      },
    ],
    [
      'a reason phrase latin1 would split',
      (ctx) => {
        ctx.body = 'x';
        ctx.res.writeHead(200, 'OK\u010d\u010aX-Evil: 1');
      },
      get(),
      (raw, statuses) => {
        expect(statuses).toEqual([500]);
        expect(raw).not.toContain('X-Evil');
      },
    ],
    [
      'a header value written around ctx.set()',
      (ctx) => {
        ctx.body = 'x';
        ctx.response.headers['x-evil'] = 'a\u010ab';
      },
      get(),
      (_raw, statuses) => expect(statuses).toEqual([500]),
    ],
  ];

  it.each(cases)('should frame %s by the rules', async (_name, handler, input, check) => {
    const { responses, raw } = await app(handler).inject(input);
    check(
      raw.toString('latin1'),
      responses.map((r) => r.status),
    );
  });
});
