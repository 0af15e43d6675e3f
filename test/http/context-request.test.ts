/**
 * `ctx.request` and its delegates on `ctx`, against Koa's documented behaviour: URL parts, the
 * lazily parsed query, headers, host/protocol/ip with and without `proxy`, content negotiation,
 * `is()`, plus the context members that are not delegates (`state`, `app`, `log`, `signal`).
 */
import net from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { App, type AppOptions } from '../../src/http/app.js';
import type { Context } from '../../src/http/context.js';
import type { InjectRequest } from '../../src/engine/inject.js';
import { serve } from '../helpers/server.js';
import { inject } from '../helpers/transport.js';

/** Runs `read` inside a request and returns what it returned. */
async function within<T>(
  read: (ctx: Context) => T,
  req: InjectRequest | string = {},
  opts: AppOptions = {},
): Promise<T> {
  const app = new App({ logger: false, ...opts });
  let out: T | undefined;
  let failure: unknown = null;
  app.use((ctx) => {
    try {
      out = read(ctx);
    } catch (err) {
      failure = err;
    }
    ctx.body = '';
  });
  await inject(app, typeof req === 'string' ? req : { method: 'GET', url: '/', ...req });
  if (failure !== null) throw failure;
  return out as T;
}

describe('ctx.url / ctx.path / ctx.querystring / ctx.search', () => {
  it('should split the request-target into path, query string and search', async () => {
    const parts = await within((ctx) => [ctx.method, ctx.url, ctx.path, ctx.querystring, ctx.search], {
      url: '/a/b?x=1&y=2',
    });
    expect(parts).toEqual(['GET', '/a/b?x=1&y=2', '/a/b', 'x=1&y=2', '?x=1&y=2']);
  });

  it('should rewrite the url through path and querystring setters, keeping originalUrl', async () => {
    const seen = await within(
      (ctx) => {
        ctx.path = '/rewritten';
        const a = ctx.url;
        ctx.querystring = 'q=2';
        const b = ctx.url;
        ctx.url = '/other';
        return [a, b, ctx.path, ctx.querystring, ctx.originalUrl];
      },
      { url: '/orig?q=1' },
    );
    expect(seen).toEqual(['/rewritten?q=1', '/rewritten?q=2', '/other', '', '/orig?q=1']);
  });

  it('should read the path of an absolute-form target', async () => {
    const seen = await within(
      (ctx) => [ctx.path, ctx.querystring, ctx.host, ctx.href],
      'GET http://example.com:8080/p?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n',
    );
    expect(seen).toEqual(['/p', 'q=1', 'example.com:8080', 'http://example.com:8080/p?q=1']);
  });

  it('should let middleware change the method', async () => {
    const m = await within((ctx) => {
      ctx.method = 'PUT';
      return ctx.request.method;
    });
    expect(m).toBe('PUT');
  });
});

describe('ctx.query', () => {
  it('should parse the query string, repeated keys into arrays', async () => {
    const q = await within((ctx) => ({ ...ctx.query }), { url: '/?a=1&a=2&b=x%20y&c=d+e&empty' });
    expect(q).toEqual({ a: ['1', '2'], b: 'x y', c: 'd e', empty: '' });
  });

  it('should be parsed once per query string, and again after the query string changes', async () => {
    const same = await within(
      (ctx) => {
        const first = ctx.query;
        const again = ctx.query;
        ctx.querystring = 'z=9';
        return [first === again, ctx.query === first, ctx.query['z']];
      },
      { url: '/?a=1' },
    );
    expect(same).toEqual([true, false, '9']);
  });

  it('should never let a __proto__ key reach Object.prototype', async () => {
    const q = await within((ctx) => ctx.query, { url: '/?__proto__=x&constructor=y' });
    expect(q['__proto__']).toBe('x');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    expect(Object.getPrototypeOf(q)).toBeNull();
  });

  it('should rewrite the query string when set from an object', async () => {
    const qs = await within((ctx) => {
      ctx.query = { next: '/login', tag: ['a', 'b'] };
      return ctx.querystring;
    });
    expect(qs).toBe('next=%2Flogin&tag=a&tag=b');
  });
});

describe('ctx.headers / ctx.get()', () => {
  it("should expose lowercased headers as Node's req.headers does", async () => {
    const h = await within((ctx) => ({ ...ctx.headers }), { headers: { 'X-Thing': 'a', Accept: 'text/html' } });
    expect(h).toMatchObject({ 'x-thing': 'a', accept: 'text/html', host: 'localhost' });
  });

  it('should read a header case-insensitively, or an empty string', async () => {
    const v = await within((ctx) => [ctx.get('X-THING'), ctx.get('missing')], { headers: { 'x-thing': 'a' } });
    expect(v).toEqual(['a', '']);
  });

  it("should read repeated fields as Node's req.headers has them, before and after ctx.headers is built", async () => {
    const raw =
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nx-tag: a\r\nContent-type: application/json\r\n' +
      'Set-Cookie: s=1\r\nX-Tag: b\r\nset-cookie: t=2\r\nUser-Agent: one\r\nuser-agent: two\r\n\r\n';
    const names = ['content-type', 'X-Tag', 'set-cookie', 'User-Agent', 'host', 'absent'];
    const v = await within((ctx) => {
      const before = names.map((n) => ctx.get(n));
      const built = ctx.headers;
      return { before, after: names.map((n) => ctx.get(n)), built: { ...built } };
    }, raw);
    // Node keeps the first Content-Type and User-Agent, joins the others, lists Set-Cookie.
    expect(v.after).toEqual(['text/plain', 'a, b', 's=1, t=2', 'one', 'x', '']);
    expect(v.before).toEqual(v.after);
    expect(v.built).toMatchObject({
      'content-type': 'text/plain',
      'x-tag': 'a, b',
      'set-cookie': ['s=1', 't=2'],
      'user-agent': 'one',
    });
  });

  it('should treat Referer and Referrer as one header', async () => {
    const v = await within((ctx) => [ctx.get('Referrer'), ctx.get('referer')], {
      headers: { referer: 'http://a.test/' },
    });
    expect(v).toEqual(['http://a.test/', 'http://a.test/']);
  });

  it('should let middleware replace the request headers', async () => {
    const v = await within((ctx) => {
      ctx.request.headers = { 'x-new': '1' };
      return [ctx.get('x-new'), ctx.header['x-new']];
    });
    expect(v).toEqual(['1', '1']);
  });
});

describe('ctx.host / hostname / protocol / secure / origin / href / URL', () => {
  const fwd = { 'x-forwarded-host': 'public.test, inner', 'x-forwarded-proto': 'HTTPS, http', host: 'internal:3000' };

  it('should use Host and the socket when proxy is off, ignoring X-Forwarded-*', async () => {
    const v = await within((ctx) => [ctx.host, ctx.hostname, ctx.protocol, ctx.secure, ctx.origin, ctx.href], {
      url: '/p?q',
      headers: fwd,
    });
    expect(v).toEqual(['internal:3000', 'internal', 'http', false, null, 'http://internal:3000/p?q']);
  });

  it('should give the Origin request header as ctx.origin, as Koa 3, and null without one', async () => {
    const v = await within((ctx) => [ctx.origin, ctx.request.origin, ctx.href], {
      url: '/p',
      headers: { host: 'api.test', origin: 'https://app.test' },
    });
    expect(v).toEqual(['https://app.test', 'https://app.test', 'http://api.test/p']);
  });

  it('should honour the first X-Forwarded-Host and X-Forwarded-Proto when proxy is on', async () => {
    const v = await within(
      (ctx) => [ctx.host, ctx.hostname, ctx.protocol, ctx.secure, ctx.origin, ctx.href],
      { url: '/p', headers: fwd },
      { proxy: true },
    );
    expect(v).toEqual(['public.test', 'public.test', 'https', true, null, 'https://public.test/p']);
  });

  it('should keep the brackets of an IPv6 hostname', async () => {
    const v = await within((ctx) => [ctx.host, ctx.hostname], { headers: { host: '[::1]:8080' } });
    expect(v).toEqual(['[::1]:8080', '[::1]']);
  });

  it('should parse URL once into a WHATWG URL', async () => {
    const v = await within(
      (ctx) => {
        const u = ctx.URL as URL;
        return [u.pathname, u.searchParams.get('q'), ctx.URL === u];
      },
      { url: '/x?q=1' },
    );
    expect(v).toEqual(['/x', '1', true]);
  });

  it('should list subdomains under subdomainOffset, none for an IP', async () => {
    expect(await within((ctx) => ctx.subdomains, { headers: { host: 'tobi.ferrets.example.com' } })).toEqual([
      'ferrets',
      'tobi',
    ]);
    expect(
      await within((ctx) => ctx.subdomains, { headers: { host: 'tobi.ferrets.example.com' } }, { subdomainOffset: 3 }),
    ).toEqual(['tobi']);
    expect(await within((ctx) => ctx.subdomains, { headers: { host: '10.0.0.1' } })).toEqual([]);
  });
});

describe('ctx.ip / ctx.ips', () => {
  const xff = { 'x-forwarded-for': '203.0.113.7, 10.0.0.2, 10.0.0.1' };

  it('should be the peer address, ignoring X-Forwarded-For when proxy is off', async () => {
    expect(await within((ctx) => [ctx.ip, ctx.ips], { headers: xff })).toEqual(['127.0.0.1', []]);
  });

  it('should read X-Forwarded-For, client first, when proxy is on', async () => {
    expect(await within((ctx) => [ctx.ip, ctx.ips], { headers: xff }, { proxy: true })).toEqual([
      '203.0.113.7',
      ['203.0.113.7', '10.0.0.2', '10.0.0.1'],
    ]);
  });

  it('should keep only the last maxIpsCount addresses, and read proxyIpHeader', async () => {
    expect(await within((ctx) => ctx.ips, { headers: xff }, { proxy: true, maxIpsCount: 2 })).toEqual([
      '10.0.0.2',
      '10.0.0.1',
    ]);
    expect(
      await within(
        (ctx) => ctx.ip,
        { headers: { 'x-real-ip': '198.51.100.1' } },
        { proxy: true, proxyIpHeader: 'x-real-ip' },
      ),
    ).toBe('198.51.100.1');
  });

  it('should let middleware set the ip', async () => {
    expect(
      await within((ctx) => {
        ctx.request.ip = '192.0.2.9';
        return ctx.ip;
      }),
    ).toBe('192.0.2.9');
  });

  it('should read the real peer address over TCP', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = ctx.ip;
    });
    const { server, port } = await serve(app);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(await res.text()).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    } finally {
      await server.close();
    }
  });
});

describe('ctx.accepts*()', () => {
  it('should negotiate types, best match first, false when none fits', async () => {
    const v = await within((ctx) => [ctx.accepts('html', 'json'), ctx.accepts(['png']), ctx.accepts('text/html')], {
      headers: { accept: 'application/json, text/*;q=0.5' },
    });
    expect(v).toEqual(['json', false, 'text/html']);
  });

  it('should accept the first type when there is no Accept header', async () => {
    expect(await within((ctx) => ctx.accepts('json', 'html'))).toBe('json');
  });

  it('should negotiate encodings, charsets and languages', async () => {
    const v = await within(
      (ctx) => [
        ctx.acceptsEncodings('br', 'gzip'),
        ctx.acceptsCharsets('utf-8', 'utf-7'),
        ctx.acceptsLanguages('es', 'en'),
        ctx.acceptsLanguages(),
      ],
      {
        headers: {
          'accept-encoding': 'gzip',
          'accept-charset': 'utf-7;q=0.5, utf-8',
          'accept-language': 'en;q=0.8, es, pt',
        },
      },
    );
    expect(v).toEqual(['gzip', 'utf-8', 'es', ['es', 'pt', 'en']]);
  });

  it('should expose the negotiator as ctx.accept', async () => {
    expect(await within((ctx) => ctx.accept.types('json'), { headers: { accept: 'application/json' } })).toBe('json');
  });
});

describe('ctx.is()', () => {
  it('should match the request Content-Type', async () => {
    const v = await within((ctx) => [ctx.is('json', 'urlencoded'), ctx.is('application/*'), ctx.is('html'), ctx.is()], {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(v).toEqual(['json', 'application/json', false, 'application/json']);
  });

  it('should be null when the request declares no body', async () => {
    expect(await within((ctx) => ctx.is('json'), { headers: { 'content-type': 'application/json' } })).toBeNull();
  });

  it('should match a declared empty body (Content-Length: 0), as type-is does', async () => {
    expect(
      await within((ctx) => ctx.is('json'), {
        method: 'POST',
        body: '',
        headers: { 'content-type': 'application/json' },
      }),
    ).toBe('json');
  });

  it('should read the request type, charset and length', async () => {
    const v = await within((ctx) => [ctx.request.type, ctx.request.charset, ctx.request.length], {
      method: 'POST',
      body: 'abc',
      headers: { 'content-type': 'Text/Plain; Charset="UTF-8"' },
    });
    expect(v).toEqual(['text/plain', 'utf-8', 3]);
  });
});

describe('ctx.idempotent', () => {
  it('should be true for GET/PUT/DELETE and false for POST/PATCH', async () => {
    const out: boolean[] = [];
    for (const method of ['GET', 'PUT', 'DELETE', 'POST', 'PATCH'])
      out.push(await within((ctx) => ctx.idempotent, { method }));
    expect(out).toEqual([true, true, true, false, false]);
  });
});

describe('ctx.state / ctx.app / ctx.log / ctx.request.toJSON()', () => {
  it('should share state down the stack, fresh for every request', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx, next) => {
      (ctx.state as Record<string, unknown>)['seen'] =
        ((ctx.state as Record<string, unknown>)['seen'] as number | undefined) ?? 0;
      (ctx.state as Record<string, unknown>)['user'] = 'ada';
      await next();
    });
    app.use((ctx) => {
      ctx.body = ctx.state;
    });
    const a = await inject(app, { url: '/' });
    const b = await inject(app, { url: '/' });
    expect(a.responses[0]!.json()).toEqual({ seen: 0, user: 'ada' });
    expect(b.responses[0]!.json()).toEqual({ seen: 0, user: 'ada' });
  });

  it('should point at the app, its logger, and its proxy setting', async () => {
    const app = new App({ logger: false, proxy: true });
    let seen: unknown[] = [];
    app.use((ctx) => {
      seen = [ctx.app === app, ctx.log === app.log, ctx.app.proxy];
      ctx.body = '';
    });
    await inject(app, { url: '/' });
    expect(seen).toEqual([true, true, true]);
  });

  it('should summarise as Koa does in toJSON() and util.inspect', async () => {
    const v = await within((ctx) => [ctx.request.toJSON(), ctx.toJSON().originalUrl, inspect(ctx)], {
      url: '/j',
      headers: { 'x-a': '1' },
    });
    expect(v[0]).toMatchObject({ method: 'GET', url: '/j', header: { 'x-a': '1' } });
    expect(v[1]).toBe('/j');
    expect(v[2]).toContain("originalUrl: '/j'");
  });
});

describe('ctx.signal', () => {
  it('should abort when the client goes away before the response is written', async () => {
    const app = new App({ logger: false });
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const aborted = new Promise<unknown>((resolve) => {
      app.use(async (ctx) => {
        const signal = ctx.signal;
        expect(signal.aborted).toBe(false);
        started();
        await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
        resolve(signal.reason);
        ctx.body = 'too late';
      });
    });
    const { server, port } = await serve(app);
    try {
      const sock = net.connect(port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await running;
      // A reset, not a FIN: a half-close may be a client that simply finished sending.
      sock.resetAndDestroy();
      expect(await aborted).toBeInstanceOf(Error);
    } finally {
      await server.close();
    }
  });
});
