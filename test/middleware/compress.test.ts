/**
 * compress(): which coding a client gets (q-values, q=0, `*`, identity), which responses are left
 * alone (threshold, type, no-transform, HEAD/204/304/206, already encoded), the headers an encoded
 * response carries, and bodies of every kind — strings, JSON, buffers, streams — decoding back to
 * exactly what the handler set.
 */
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App, type Middleware } from '../../src/index.js';
import { ZSTD_AVAILABLE } from '../../src/middleware/compress/compress.js';
import {
  compress,
  isCompressible,
  negotiateEncoding,
  serveStatic,
  type CompressOptions,
} from '../../src/middleware/index.js';
import { APP_JS, buildFixture, removeFixture, type StaticFixture } from './static-fixture.js';

const TEXT = 'shallot compresses this. '.repeat(200);

function makeApp(handler: Middleware, opts: CompressOptions = {}): App {
  const app = new App({ logger: false });
  app.use(compress(opts));
  app.use(handler);
  return app;
}

async function get(app: App, headers: Record<string, string> = {}, method = 'GET') {
  return (await app.inject({ method, url: '/', headers })).responses[0]!;
}

function decode(enc: string, body: Buffer): string {
  if (enc === 'gzip') return zlib.gunzipSync(body).toString();
  if (enc === 'br') return zlib.brotliDecompressSync(body).toString();
  if (enc === 'deflate') return zlib.inflateSync(body).toString();
  throw new Error(`unexpected coding ${enc}`);
}

const textApp = (): App =>
  makeApp((ctx) => {
    ctx.body = TEXT;
  });

describe('negotiateEncoding()', () => {
  const offer = ['br', 'gzip', 'deflate'];
  it('should pick the highest q-value', () => {
    expect(negotiateEncoding('gzip;q=1, br;q=0.5', offer)).toBe('gzip');
    expect(negotiateEncoding('deflate, gzip;q=0.9', offer)).toBe('deflate');
  });

  it('should break ties by the server order', () => {
    expect(negotiateEncoding('gzip, br', offer)).toBe('br');
  });

  it('should never pick a coding with q=0', () => {
    expect(negotiateEncoding('br;q=0, gzip', offer)).toBe('gzip');
    expect(negotiateEncoding('br;q=0, gzip;q=0, deflate;q=0', offer)).toBe('identity');
  });

  it('should let * stand for the codings not named', () => {
    expect(negotiateEncoding('*', offer)).toBe('br');
    expect(negotiateEncoding('br;q=0, *', offer)).toBe('gzip');
  });

  it('should answer identity without a header and for an empty one', () => {
    expect(negotiateEncoding(undefined, offer)).toBe('identity');
    expect(negotiateEncoding('', offer)).toBe('identity');
    expect(negotiateEncoding('identity', offer)).toBe('identity');
  });

  it('should prefer identity only when the client ranks it higher', () => {
    expect(negotiateEncoding('identity;q=1, gzip;q=0.5', offer)).toBe('identity');
    expect(negotiateEncoding('gzip;q=0.5', offer)).toBe('gzip');
  });

  it('should return null when identity and every offer are refused', () => {
    expect(negotiateEncoding('*;q=0', offer)).toBeNull();
    expect(negotiateEncoding('identity;q=0, zstd', offer)).toBeNull();
  });

  it('should drop elements with a malformed q-value and read x-gzip as gzip', () => {
    expect(negotiateEncoding('br;q=2, gzip', offer)).toBe('gzip');
    expect(negotiateEncoding('x-gzip', offer)).toBe('gzip');
  });
});

describe('isCompressible()', () => {
  it('should accept text, JSON, XML, JavaScript, SVG and wasm', () => {
    for (const t of [
      'text/html',
      'text/css',
      'text/event-stream',
      'application/json',
      'application/problem+json',
      'application/xml',
      'text/javascript',
      'application/javascript',
      'image/svg+xml',
      'application/wasm',
    ]) {
      expect(isCompressible(t), t).toBe(true);
    }
  });

  it('should refuse already compressed and binary types', () => {
    for (const t of [
      'image/png',
      'image/jpeg',
      'video/mp4',
      'audio/mpeg',
      'application/zip',
      'application/gzip',
      'font/woff2',
      'application/pdf',
      'application/octet-stream',
      '',
    ]) {
      expect(isCompressible(t), t).toBe(false);
    }
  });
});

describe('compress() codings', () => {
  for (const enc of ['gzip', 'br', 'deflate']) {
    it(`should encode a text body with ${enc}, set Vary and a correct Content-Length`, async () => {
      const res = await get(textApp(), { 'accept-encoding': enc });
      expect(res.headers['content-encoding']).toBe(enc);
      expect(res.headers['vary']).toBe('Accept-Encoding');
      expect(res.headers['content-length']).toBe(String(res.body.length));
      expect(res.body.length).toBeLessThan(Buffer.byteLength(TEXT));
      expect(decode(enc, res.body)).toBe(TEXT);
    });
  }

  it('should follow q-values', async () => {
    const res = await get(textApp(), { 'accept-encoding': 'br;q=0.2, gzip;q=0.8' });
    expect(res.headers['content-encoding']).toBe('gzip');
  });

  it('should send identity, with Vary, to a client without Accept-Encoding', async () => {
    const res = await get(textApp());
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(res.text()).toBe(TEXT);
  });

  it('should send identity when the client refuses every coding (*;q=0)', async () => {
    const res = await get(textApp(), { 'accept-encoding': '*;q=0' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.text()).toBe(TEXT);
  });

  it('should only offer the configured encodings', async () => {
    const app = makeApp(
      (ctx) => {
        ctx.body = TEXT;
      },
      { encodings: ['gzip'] },
    );
    expect((await get(app, { 'accept-encoding': 'br, gzip;q=0.1' })).headers['content-encoding']).toBe('gzip');
  });

  it('should detect zstd support from zlib.createZstdCompress', async () => {
    expect(ZSTD_AVAILABLE).toBe(
      typeof (zlib as unknown as { createZstdCompress?: unknown }).createZstdCompress === 'function',
    );
    const res = await get(textApp(), { 'accept-encoding': 'zstd' });
    expect(res.headers['content-encoding']).toBe(ZSTD_AVAILABLE ? 'zstd' : undefined);
  });

  it('should weaken a strong ETag and drop Accept-Ranges on an encoded response', async () => {
    const app = makeApp((ctx) => {
      ctx.set('etag', '"abc"');
      ctx.set('accept-ranges', 'bytes');
      ctx.body = TEXT;
    });
    const res = await get(app, { 'accept-encoding': 'gzip' });
    expect(res.headers['etag']).toBe('W/"abc"');
    expect(res.headers['accept-ranges']).toBeUndefined();
  });
});

describe('compress() leaves alone', () => {
  it('should not encode a body below the threshold (and not set Vary)', async () => {
    const app = makeApp((ctx) => {
      ctx.body = 'tiny';
    });
    const res = await get(app, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBeUndefined();
    expect(res.text()).toBe('tiny');
  });

  it('should honour a custom threshold', async () => {
    const app = makeApp(
      (ctx) => {
        ctx.body = 'tiny';
      },
      { threshold: 0 },
    );
    const res = await get(app, { 'accept-encoding': 'gzip' });
    expect(decode('gzip', res.body)).toBe('tiny');
  });

  it('should not encode an incompressible type', async () => {
    const app = makeApp((ctx) => {
      ctx.type = 'image/png';
      ctx.body = Buffer.alloc(4096);
    });
    const res = await get(app, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBeUndefined();
  });

  it('should use a custom filter', async () => {
    const app = makeApp(
      (ctx) => {
        ctx.type = 'image/png';
        ctx.body = Buffer.alloc(4096);
      },
      { filter: (t) => t === 'image/png' },
    );
    expect((await get(app, { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBe('gzip');
  });

  it('should respect Cache-Control: no-transform', async () => {
    const app = makeApp((ctx) => {
      ctx.set('cache-control', 'public, no-transform');
      ctx.body = TEXT;
    });
    expect((await get(app, { 'accept-encoding': 'gzip' })).headers['content-encoding']).toBeUndefined();
  });

  it('should not encode a HEAD response (but still set Vary)', async () => {
    const res = await get(textApp(), { 'accept-encoding': 'gzip' }, 'HEAD');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(TEXT)));
  });

  it('should leave 204 and 304 responses alone', async () => {
    for (const status of [204, 304]) {
      const app = makeApp((ctx) => {
        ctx.status = status;
      });
      const res = await get(app, { 'accept-encoding': 'gzip' });
      expect(res.status).toBe(status);
      expect(res.headers['content-encoding']).toBeUndefined();
    }
  });

  it('should not re-encode a response that already has Content-Encoding', async () => {
    const pre = zlib.gzipSync(TEXT);
    const app = makeApp((ctx) => {
      ctx.type = 'text/plain';
      ctx.set('content-encoding', 'gzip');
      ctx.body = pre;
    });
    const res = await get(app, { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.body.equals(pre)).toBe(true);
  });
});

describe('compress() bodies', () => {
  it('should encode a JSON body and keep its type', async () => {
    const data = { items: Array.from({ length: 200 }, (_, i) => ({ i, name: `item ${i}` })) };
    const app = makeApp((ctx) => {
      ctx.body = data;
    });
    const res = await get(app, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(decode('gzip', res.body))).toEqual(data);
  });

  it('should encode a Node Readable without a length, chunked', async () => {
    const app = makeApp((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = Readable.from([TEXT.slice(0, 100), TEXT.slice(100)]);
    });
    const res = await get(app, { 'accept-encoding': 'br' });
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    expect(decode('br', res.body)).toBe(TEXT);
  });

  it('should encode a web ReadableStream and an async iterable', async () => {
    const web = makeApp((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = new Blob([TEXT]).stream();
    });
    expect(decode('gzip', (await get(web, { 'accept-encoding': 'gzip' })).body)).toBe(TEXT);
    const iter = makeApp((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = (async function* () {
        yield TEXT.slice(0, 10);
        yield TEXT.slice(10);
      })();
    });
    expect(decode('deflate', (await get(iter, { 'accept-encoding': 'deflate' })).body)).toBe(TEXT);
  });

  it('should not encode a stream whose declared length is below the threshold', async () => {
    const app = makeApp((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = Readable.from([Buffer.from('short')]);
      ctx.length = 5;
    });
    const res = await get(app, { 'accept-encoding': 'gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.text()).toBe('short');
  });

  it('should close the connection and report once when the source fails mid-stream', async () => {
    const app = new App({ logger: false });
    const errors: unknown[] = [];
    app.on('error', (e) => errors.push(e));
    app.use(compress());
    app.use((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = (async function* () {
        yield TEXT;
        throw new Error('source broke');
      })();
    });
    const { responses, closed } = await app.inject({ url: '/', headers: { 'accept-encoding': 'gzip' } });
    expect(closed).toBe(true);
    expect(responses[0]!.headers['content-encoding']).toBe('gzip');
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('source broke');
  });
});

describe('compress() with serveStatic()', () => {
  let fx: StaticFixture;
  let app: App;
  beforeAll(() => {
    fx = buildFixture();
    app = new App({ logger: false });
    app.use(compress({ threshold: 0 }));
    app.use(serveStatic(fx.root, { prefix: '/static' }));
  });
  afterAll(() => removeFixture(fx));

  it('should not compress a precompressed sibling twice', async () => {
    const res = (await app.inject({ url: '/static/app.js', headers: { 'accept-encoding': 'br' } })).responses[0]!;
    expect(res.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(res.body).toString()).toBe(APP_JS);
  });

  it('should compress a file without a sibling on the fly, with a weak ETag', async () => {
    const res = (await app.inject({ url: '/static/sub/index.html', headers: { 'accept-encoding': 'gzip' } }))
      .responses[0]!;
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(String(res.headers['etag'])).toMatch(/^W\//);
    expect(decode('gzip', res.body)).toContain('sub index');
  });

  it('should answer a 304 for the weak ETag of a compressed file', async () => {
    const first = (await app.inject({ url: '/static/sub/index.html', headers: { 'accept-encoding': 'gzip' } }))
      .responses[0]!;
    const again = (
      await app.inject({
        url: '/static/sub/index.html',
        headers: { 'accept-encoding': 'gzip', 'if-none-match': String(first.headers['etag']) },
      })
    ).responses[0]!;
    expect(again.status).toBe(304);
  });

  it('should leave a 206 range response unencoded', async () => {
    const res = (
      await app.inject({ url: '/static/sub/index.html', headers: { 'accept-encoding': 'gzip', range: 'bytes=0-8' } })
    ).responses[0]!;
    expect(res.status).toBe(206);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.text()).toBe('<!doctype');
  });

  it('should not compress an image', async () => {
    const res = (await app.inject({ url: '/static/photo.png', headers: { 'accept-encoding': 'gzip' } })).responses[0]!;
    expect(res.headers['content-encoding']).toBeUndefined();
  });
});
