/**
 * `ctx.response` and its delegates on `ctx`, against Koa's documented behaviour: the status/body
 * interplay, content types, lengths, redirects, attachments, Vary, conditional GET. Everything
 * goes over `app.inject`, so what is asserted is the bytes a client would receive.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { App, type Middleware } from '../../src/http/app.js';
import type { InjectRequest } from '../../src/engine/inject.js';
import { inject } from '../helpers/transport.js';

async function send(mw: Middleware, req: InjectRequest = {}) {
  const app = new App({ logger: false });
  app.use(mw);
  const { responses } = await inject(app, { method: 'GET', url: '/', ...req });
  expect(responses).toHaveLength(1);
  return responses[0]!;
}

describe('ctx.status', () => {
  it('should answer 404 with a problem+json body when no middleware sets a body', async () => {
    const res = await send(() => {});
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ status: 404, title: 'Not Found', code: 'ERR_NOT_FOUND' });
  });

  it('should read 404 until a body or a status is set', async () => {
    const seen: number[] = [];
    await send((ctx) => {
      seen.push(ctx.status);
      ctx.body = 'x';
      seen.push(ctx.status);
    });
    expect(seen).toEqual([404, 200]);
  });

  it('should send the status text as a text body when a status is set without a body', async () => {
    const res = await send((ctx) => {
      ctx.status = 202;
    });
    expect(res.status).toBe(202);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.text()).toBe('Accepted');
  });

  it('should drop the body and its headers when a status that forbids content is set after it', async () => {
    for (const status of [204, 304]) {
      const res = await send((ctx) => {
        ctx.body = { a: 1 };
        ctx.status = status;
        expect(ctx.body).toBeNull();
      });
      expect(res.status).toBe(status);
      expect(res.body.length).toBe(0);
      expect(res.headers['content-type']).toBeUndefined();
      expect(res.headers['content-length']).toBeUndefined();
    }
  });

  it('should reject a status outside 100-999 with a TypeError (answered as 500)', async () => {
    let thrown: unknown;
    const res = await send((ctx) => {
      try {
        ctx.status = 42;
      } catch (err) {
        thrown = err;
        throw err;
      }
    });
    expect(thrown).toBeInstanceOf(TypeError);
    expect(res.status).toBe(500);
  });
});

describe('ctx.message', () => {
  it('should default to the status text and write a custom reason phrase in the status line', async () => {
    let before = '';
    const res = await send((ctx) => {
      ctx.status = 200;
      before = ctx.message;
      ctx.message = 'All Good';
      ctx.body = 'ok';
    });
    expect(before).toBe('OK');
    expect(res.statusMessage).toBe('All Good');
  });

  it('should reset to the new status text when the status changes', async () => {
    let after = '';
    await send((ctx) => {
      ctx.message = 'Custom';
      ctx.status = 201;
      after = ctx.message;
      ctx.body = '';
    });
    expect(after).toBe('Created');
  });

  it('should refuse CR or LF, which would split the status line', async () => {
    const res = await send((ctx) => {
      ctx.message = 'x\r\nSet-Cookie: a=b';
    });
    expect(res.status).toBe(500);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('ctx.body', () => {
  it('should send a string as text/plain, or text/html when it starts with <', async () => {
    const text = await send((ctx) => {
      ctx.body = 'hello';
    });
    expect(text.status).toBe(200);
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.headers['content-length']).toBe('5');
    const html = await send((ctx) => {
      ctx.body = '  <p>hi</p>';
    });
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('should send a Buffer or Uint8Array as application/octet-stream', async () => {
    for (const body of [Buffer.from([1, 2, 3]), new Uint8Array([1, 2, 3])]) {
      const res = await send((ctx) => {
        ctx.body = body;
      });
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect([...res.body]).toEqual([1, 2, 3]);
    }
  });

  it('should send an object as JSON, replacing a non-JSON type but keeping a JSON one', async () => {
    const plain = await send((ctx) => {
      ctx.body = { a: 1 };
    });
    expect(plain.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(plain.json()).toEqual({ a: 1 });
    const replaced = await send((ctx) => {
      ctx.type = 'html';
      ctx.body = [1];
    });
    expect(replaced.headers['content-type']).toBe('application/json; charset=utf-8');
    const kept = await send((ctx) => {
      ctx.type = 'application/problem+json';
      ctx.body = { title: 'x' };
    });
    expect(kept.headers['content-type']).toBe('application/problem+json');
  });

  it('should keep a Content-Type set before the body', async () => {
    const res = await send((ctx) => {
      ctx.type = 'text/csv';
      ctx.body = 'a,b';
    });
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  });

  it('should keep an explicit status when a body is set after it', async () => {
    const res = await send((ctx) => {
      ctx.status = 201;
      ctx.body = { id: 1 };
    });
    expect(res.status).toBe(201);
  });

  it('should answer 204 with no body, type or length for body = null', async () => {
    const res = await send((ctx) => {
      ctx.type = 'text';
      ctx.body = 'x';
      ctx.body = null;
    });
    expect(res.status).toBe(204);
    expect(res.body.length).toBe(0);
    expect(res.headers['content-type']).toBeUndefined();
  });

  it('should send the JSON value null for body = null when the type is JSON (Koa 3)', async () => {
    const res = await send((ctx) => {
      ctx.type = 'json';
      ctx.body = null;
    });
    expect(res.status).toBe(200);
    expect(res.text()).toBe('null');
  });

  it('should answer 204 for body = null even after an explicit 200, as Koa', async () => {
    const res = await send((ctx) => {
      ctx.status = 200;
      ctx.body = null;
    });
    expect(res.status).toBe(204);
  });

  it('should answer an empty 200 when a status is set after body = null', async () => {
    const res = await send((ctx) => {
      ctx.body = null;
      ctx.status = 200;
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('0');
  });

  it('should stream a Readable with chunked framing when its length is unknown', async () => {
    const res = await send((ctx) => {
      ctx.body = Readable.from(['a', 'b', 'c']);
    });
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.text()).toBe('abc');
  });

  it('should keep a Content-Length set for a stream before the stream (as koa-send does)', async () => {
    const res = await send((ctx) => {
      ctx.length = 3;
      ctx.body = Readable.from([Buffer.from('abc')]);
    });
    expect(res.headers['content-length']).toBe('3');
    expect(res.headers['transfer-encoding']).toBeUndefined();
    expect(res.text()).toBe('abc');
  });

  it('should stream a web ReadableStream', async () => {
    const res = await send((ctx) => {
      ctx.body = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode('web'));
          c.close();
        },
      });
    });
    expect(res.text()).toBe('web');
  });

  it('should destroy a stream body that another body replaces', async () => {
    const stream = new Readable({ read() {} });
    const res = await send((ctx) => {
      ctx.body = stream;
      ctx.body = 'instead';
    });
    expect(res.text()).toBe('instead');
    expect(stream.destroyed).toBe(true);
  });

  it('should send a Blob with its type and length', async () => {
    const res = await send((ctx) => {
      ctx.body = new Blob(['<svg/>'], { type: 'image/svg+xml' });
    });
    expect(res.headers['content-type']).toBe('image/svg+xml');
    expect(res.headers['content-length']).toBe('6');
    expect(res.text()).toBe('<svg/>');
  });

  it('should send a fetch Response with its status, headers and body', async () => {
    const res = await send((ctx) => {
      ctx.body = new Response('made', { status: 201, headers: { 'x-from': 'fetch', 'content-type': 'text/plain' } });
    });
    expect(res.status).toBe(201);
    expect(res.headers['x-from']).toBe('fetch');
    expect(res.headers['content-type']).toBe('text/plain');
    expect(res.text()).toBe('made');
  });

  it('should send headers and the length for HEAD, but no body', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = 'twelve bytes';
    });
    const { responses } = await inject(app, { method: 'HEAD', url: '/' });
    expect(responses[0]!.headers['content-length']).toBe('12');
    expect(responses[0]!.body.length).toBe(0);
  });
});

describe('ctx.type', () => {
  it('should map an extension or short name to a full Content-Type', async () => {
    const types: string[] = [];
    await send((ctx) => {
      for (const t of ['json', '.html', 'png', 'text/plain']) {
        ctx.type = t;
        types.push(ctx.response.get('content-type') as string);
      }
      ctx.body = '';
    });
    expect(types).toEqual([
      'application/json; charset=utf-8',
      'text/html; charset=utf-8',
      'image/png',
      'text/plain; charset=utf-8',
    ]);
  });

  it('should read the media type without parameters, or an empty string', async () => {
    const seen: string[] = [];
    await send((ctx) => {
      seen.push(ctx.type);
      ctx.type = 'json';
      seen.push(ctx.type);
      ctx.body = {};
    });
    expect(seen).toEqual(['', 'application/json']);
  });

  it('should remove the Content-Type for an unknown type', async () => {
    let after: unknown = 'unset';
    await send((ctx) => {
      ctx.type = 'json';
      ctx.type = 'no-such-type';
      after = ctx.response.get('content-type');
      ctx.body = '';
    });
    expect(after).toBeUndefined();
  });

  it('should match the response type with response.is()', async () => {
    let matched: unknown;
    await send((ctx) => {
      ctx.body = { a: 1 };
      matched = [ctx.response.is('json'), ctx.response.is('html'), ctx.response.is('application/*')];
    });
    expect(matched).toEqual(['json', false, 'application/json']);
  });
});

describe('ctx.length', () => {
  it('should be the byte length of a string, buffer or JSON body, and undefined for a stream', async () => {
    const seen: (number | undefined)[] = [];
    await send((ctx) => {
      ctx.body = 'héllo';
      seen.push(ctx.length);
      ctx.body = Buffer.alloc(4);
      seen.push(ctx.length);
      ctx.body = { a: 'é' };
      seen.push(ctx.length);
      ctx.body = Readable.from([]);
      seen.push(ctx.length);
    });
    expect(seen).toEqual([6, 4, 10, undefined]);
  });

  it('should read a Content-Length that was set', async () => {
    let len: number | undefined;
    await send((ctx) => {
      ctx.set('Content-Length', '42');
      len = ctx.length;
      ctx.body = 'x';
    });
    expect(len).toBe(42);
  });

  it('should never send a stale Content-Length for a body changed after it was set', async () => {
    const res = await send((ctx) => {
      ctx.length = 100;
      ctx.body = 'short';
    });
    expect(res.headers['content-length']).toBe('5');
    expect(res.text()).toBe('short');
  });
});

describe('ctx.set() / append() / remove() / has() / response.get()', () => {
  it('should set headers by case-insensitive name, one or several at once', async () => {
    const res = await send((ctx) => {
      ctx.set('X-One', '1');
      ctx.set({ 'X-Two': '2', 'X-Three': 3 });
      ctx.set('X-List', ['a', 'b']);
      expect(ctx.has('x-one')).toBe(true);
      expect(ctx.response.get('X-TWO')).toBe('2');
      ctx.body = '';
    });
    expect(res.headers['x-one']).toBe('1');
    expect(res.headers['x-three']).toBe('3');
    expect(res.headers['x-list']).toEqual(['a', 'b']);
  });

  it('should append to a header, turning it into a list', async () => {
    const res = await send((ctx) => {
      ctx.append('Link', '</a>; rel=preload');
      ctx.append('Link', ['</b>; rel=preload']);
      ctx.body = '';
    });
    expect(res.headers['link']).toEqual(['</a>; rel=preload', '</b>; rel=preload']);
  });

  it('should remove a header', async () => {
    const res = await send((ctx) => {
      ctx.set('x-gone', '1');
      ctx.remove('X-Gone');
      expect(ctx.has('x-gone')).toBe(false);
      ctx.body = '';
    });
    expect(res.headers['x-gone']).toBeUndefined();
  });

  it('should refuse a header value with CR or LF rather than split the response', async () => {
    const res = await send((ctx) => {
      ctx.set('x-evil', 'a\r\nset-cookie: owned=1');
    });
    expect(res.status).toBe(500);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['x-evil']).toBeUndefined();
  });
});

describe('ctx.vary()', () => {
  it('should add each field once, case-insensitively, from a string or a list', async () => {
    const res = await send((ctx) => {
      ctx.vary('Origin');
      ctx.vary('origin');
      ctx.vary(['Accept-Encoding', 'Origin']);
      ctx.vary('Accept, Accept-Encoding');
      ctx.body = '';
    });
    expect(res.headers['vary']).toBe('Origin, Accept-Encoding, Accept');
  });

  it('should collapse to * when * is added', async () => {
    const res = await send((ctx) => {
      ctx.vary('Origin');
      ctx.vary('*');
      ctx.vary('Accept');
      ctx.body = '';
    });
    expect(res.headers['vary']).toBe('*');
  });
});

describe('ctx.redirect()', () => {
  it('should answer 302 with Location and a text note', async () => {
    const res = await send((ctx) => ctx.redirect('/login'));
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe('/login');
    expect(res.text()).toBe('Redirecting to /login.');
  });

  it('should keep a redirect status set before it', async () => {
    const res = await send((ctx) => {
      ctx.status = 301;
      ctx.redirect('/new');
    });
    expect(res.status).toBe(301);
  });

  it('should send an escaped HTML note to a client that accepts HTML', async () => {
    const res = await send((ctx) => ctx.redirect('/a?x="<b>"'), { headers: { accept: 'text/html' } });
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text()).toBe('Redirecting to /a?x=&#34;&#60;b&#62;&#34;.');
    expect(res.headers['location']).toBe('/a?x=%22%3Cb%3E%22');
  });

  it('should normalise an absolute URL', async () => {
    const res = await send((ctx) => ctx.redirect('HTTP://Example.COM/a b'));
    expect(res.headers['location']).toBe('http://example.com/a%20b');
  });

  it("should follow a same-host Referer for 'back', and ignore another site's", async () => {
    const same = await send((ctx) => ctx.redirect('back', '/home'), {
      headers: { host: 'shop.test', referer: 'http://shop.test/cart' },
    });
    expect(same.headers['location']).toBe('http://shop.test/cart');
    const other = await send((ctx) => ctx.redirect('back', '/home'), {
      headers: { host: 'shop.test', referer: 'https://evil.test/' },
    });
    expect(other.headers['location']).toBe('/home');
    const none = await send((ctx) => ctx.back());
    expect(none.headers['location']).toBe('/');
  });
});

describe('ctx.attachment()', () => {
  it('should set Content-Disposition with the quoted base name, as Koa, and the type from its extension', async () => {
    const res = await send((ctx) => {
      ctx.attachment('reports/q1.pdf');
      ctx.body = Buffer.from('%PDF');
    });
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe('attachment; filename="q1.pdf"');
  });

  it('should add an RFC 5987 filename* for a name outside ISO-8859-1, with a quoted fallback', async () => {
    const res = await send((ctx) => {
      ctx.attachment('报告 q1.pdf');
      ctx.body = Buffer.from('%PDF');
    });
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="?? q1.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20q1.pdf`,
    );
  });

  it('should keep a Content-Type already set, and allow no file name', async () => {
    const res = await send((ctx) => {
      ctx.type = 'text/csv';
      ctx.attachment('data.bin');
      ctx.body = 'a';
    });
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const bare = await send((ctx) => {
      ctx.attachment();
      ctx.body = 'a';
    });
    expect(bare.headers['content-disposition']).toBe('attachment');
  });
});

describe('ctx.etag / ctx.lastModified', () => {
  it('should quote an ETag that is not quoted, and keep weak ones', async () => {
    const tags: string[] = [];
    await send((ctx) => {
      ctx.etag = 'abc';
      tags.push(ctx.etag);
      ctx.etag = 'W/"x"';
      tags.push(ctx.etag);
      ctx.body = '';
    });
    expect(tags).toEqual(['"abc"', 'W/"x"']);
  });

  it('should write Last-Modified as an HTTP date and read it back as a Date', async () => {
    const when = new Date('2024-01-02T03:04:05Z');
    let back: Date | undefined;
    const res = await send((ctx) => {
      ctx.lastModified = when;
      back = ctx.lastModified;
      ctx.body = '';
    });
    expect(res.headers['last-modified']).toBe('Tue, 02 Jan 2024 03:04:05 GMT');
    expect(back?.getTime()).toBe(when.getTime());
  });
});

describe('ctx.fresh / ctx.stale', () => {
  const cached: Middleware = (ctx) => {
    ctx.status = 200;
    ctx.set('ETag', '"v1"');
    ctx.lastModified = new Date('2024-01-01T00:00:00Z');
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = 'full';
  };

  it('should be fresh when If-None-Match matches the ETag, so the handler answers 304', async () => {
    const res = await send(cached, { headers: { 'if-none-match': '"v1"' } });
    expect(res.status).toBe(304);
    expect(res.body.length).toBe(0);
    expect(res.headers['etag']).toBe('"v1"');
  });

  it('should be fresh when If-Modified-Since is not before Last-Modified', async () => {
    const res = await send(cached, { headers: { 'if-modified-since': 'Mon, 01 Jan 2024 00:00:00 GMT' } });
    expect(res.status).toBe(304);
  });

  it('should be stale for another ETag, an older date, or no validators', async () => {
    const cases: Record<string, string>[] = [
      { 'if-none-match': '"v0"' },
      { 'if-modified-since': 'Sun, 31 Dec 2023 00:00:00 GMT' },
      {},
    ];
    for (const headers of cases) {
      const res = await send(cached, { headers });
      expect(res.status).toBe(200);
      expect(res.text()).toBe('full');
    }
  });

  it('should never be fresh for a POST or a non-2xx status', async () => {
    const seen: boolean[] = [];
    const check: Middleware = (ctx) => {
      ctx.set('ETag', '"v1"');
      seen.push(ctx.fresh, ctx.stale);
      ctx.body = '';
    };
    await send(check, { method: 'POST', headers: { 'if-none-match': '"v1"' } });
    await send(check, { headers: { 'if-none-match': '"v1"' } });
    expect(seen).toEqual([false, true, false, true]);
  });
});

describe('ctx.writable / ctx.headerSent', () => {
  it('should be writable and not sent while the middleware runs', async () => {
    let state: unknown;
    await send((ctx) => {
      state = [ctx.writable, ctx.response.headerSent];
      ctx.body = '';
    });
    expect(state).toEqual([true, false]);
  });
});

describe('ctx.response.toJSON()', () => {
  it("should summarise as Koa's { status, message, header }", async () => {
    let json: unknown;
    await send((ctx) => {
      ctx.body = 'x';
      json = ctx.response.toJSON();
    });
    expect(json).toEqual({ status: 200, message: 'OK', header: { 'content-type': 'text/plain; charset=utf-8' } });
  });
});
