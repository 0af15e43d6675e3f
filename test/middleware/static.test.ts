/**
 * serveStatic(): what a file response carries (type, validators, caching), HEAD, directories and
 * index files, precompressed siblings, and falling through to the rest of the stack.
 */
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { serveStatic, type StaticOptions } from '../../src/middleware/index.js';
import { APP_JS, STYLE_CSS, buildFixture, removeFixture, type StaticFixture } from './static-fixture.js';

let fx: StaticFixture;
beforeAll(() => {
  fx = buildFixture();
});
afterAll(() => removeFixture(fx));

/** An app serving the fixture at /static, with a downstream handler that says what fell through. */
function makeApp(opts: StaticOptions = {}): App {
  const app = new App({ logger: false });
  app.use(serveStatic(fx.root, { prefix: '/static', ...opts }));
  app.use((ctx) => {
    ctx.body = `fell through: ${ctx.method} ${ctx.path}`;
  });
  return app;
}

async function get(app: App, url: string, headers: Record<string, string> = {}, method = 'GET') {
  const { responses } = await app.inject({ method, url, headers });
  return responses[0]!;
}

describe('serveStatic() file responses', () => {
  it('should serve a file with its MIME type, length and body', async () => {
    const res = await get(makeApp(), '/static/style.css');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(res.headers['content-length']).toBe(String(STYLE_CSS.length));
    expect(res.text()).toBe(STYLE_CSS);
  });

  it('should send a quoted strong ETag, Last-Modified, Accept-Ranges and a default Cache-Control', async () => {
    const res = await get(makeApp(), '/static/style.css');
    expect(res.headers['etag']).toMatch(/^"[^"]+"$/);
    expect(new Date(String(res.headers['last-modified'])).getTime()).not.toBeNaN();
    expect(res.headers['accept-ranges']).toBe('bytes');
    expect(res.headers['cache-control']).toBe('public, max-age=0');
  });

  it('should give the same file the same ETag and different files different ones', async () => {
    const app = makeApp();
    const a = await get(app, '/static/style.css');
    const b = await get(app, '/static/style.css');
    const c = await get(app, '/static/data.bin');
    expect(a.headers['etag']).toBe(b.headers['etag']);
    expect(a.headers['etag']).not.toBe(c.headers['etag']);
  });

  it('should set max-age and immutable from the options', async () => {
    const res = await get(makeApp({ maxAge: 31536000, immutable: true }), '/static/style.css');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('should leave Cache-Control, ETag and Last-Modified out when disabled', async () => {
    const res = await get(makeApp({ cacheControl: false, etag: false, lastModified: false }), '/static/style.css');
    expect(res.headers['cache-control']).toBeUndefined();
    expect(res.headers['etag']).toBeUndefined();
    expect(res.headers['last-modified']).toBeUndefined();
  });

  it('should answer HEAD with the headers and length of GET and no body', async () => {
    const app = makeApp();
    const { responses, raw } = await app.inject({ method: 'HEAD', url: '/static/app.js' });
    const res = responses[0]!;
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength(APP_JS)));
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(raw.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
  });

  it('should serve application/octet-stream for an unknown extension', async () => {
    const res = await get(makeApp(), '/static/noext');
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.text()).toBe('no extension');
  });

  it('should serve an empty file as a 200 with Content-Length 0', async () => {
    const res = await get(makeApp(), '/static/empty.txt');
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('0');
    expect(res.body.length).toBe(0);
  });

  it('should serve a symlink whose target stays inside the root', async () => {
    const res = await get(makeApp(), '/static/link-inside.css');
    expect(res.status).toBe(200);
    expect(res.text()).toBe(STYLE_CSS);
  });

  it('should decode percent-encoded names once', async () => {
    const res = await get(makeApp(), '/static/%25252e%25252e');
    // `%25` decodes to `%`: the literal file `%2e%2e` is not `..`, and this name is not it either.
    expect(res.text()).toMatch(/^fell through/);
    const lit = await get(makeApp(), '/static/%252e%252e');
    expect(lit.status).toBe(200);
    expect(lit.text()).toBe('a file literally named %2e%2e');
  });
});

describe('serveStatic() directories', () => {
  it('should serve index.html for a directory URL with its trailing slash', async () => {
    const res = await get(makeApp(), '/static/sub/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text()).toContain('sub index');
  });

  it('should serve the root index at the prefix with a slash', async () => {
    const res = await get(makeApp(), '/static/');
    expect(res.text()).toContain('root index');
  });

  it('should redirect a directory without its trailing slash with 301, keeping the query', async () => {
    const res = await get(makeApp(), '/static/sub?lang=en&x=1');
    expect(res.status).toBe(301);
    expect(res.headers['location']).toBe('/static/sub/?lang=en&x=1');
  });

  it('should redirect the bare prefix to the prefix with a slash', async () => {
    const res = await get(makeApp(), '/static');
    expect(res.status).toBe(301);
    expect(res.headers['location']).toBe('/static/');
  });

  it('should fall through for a directory without an index file', async () => {
    const res = await get(makeApp(), '/static/noindex/');
    expect(res.text()).toBe('fell through: GET /static/noindex/');
  });

  it('should fall through for a file asked for as a directory', async () => {
    const res = await get(makeApp(), '/static/style.css/');
    expect(res.text()).toMatch(/^fell through/);
  });

  it('should not redirect or serve an index when both are disabled', async () => {
    const app = makeApp({ redirect: false, index: false });
    expect((await get(app, '/static/sub')).text()).toMatch(/^fell through/);
    expect((await get(app, '/static/sub/')).text()).toMatch(/^fell through/);
  });
});

describe('serveStatic() falling through', () => {
  it('should pass other methods on to the next middleware', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const res = await get(makeApp(), '/static/style.css', {}, method);
      expect(res.text()).toBe(`fell through: ${method} /static/style.css`);
    }
  });

  it('should pass paths outside the prefix on', async () => {
    expect((await get(makeApp(), '/staticky/style.css')).text()).toBe('fell through: GET /staticky/style.css');
    expect((await get(makeApp(), '/style.css')).text()).toBe('fell through: GET /style.css');
  });

  it('should pass a missing file on', async () => {
    expect((await get(makeApp(), '/static/nope.css')).text()).toBe('fell through: GET /static/nope.css');
  });

  it('should answer the stock 404 for a missing file when nothing follows it', async () => {
    const app = new App({ logger: false });
    app.use(serveStatic(fx.root, { prefix: '/static' }));
    const res = await get(app, '/static/nope.css');
    expect(res.status).toBe(404);
  });

  it('should fall through when the root itself does not exist', async () => {
    const app = new App({ logger: false });
    app.use(serveStatic(`${fx.base}/missing-root`));
    app.use((ctx) => {
      ctx.body = 'downstream';
    });
    expect((await get(app, '/x.txt')).text()).toBe('downstream');
  });

  it('should serve at the root when no prefix is given', async () => {
    const app = new App({ logger: false });
    app.use(serveStatic(fx.root));
    expect((await get(app, '/style.css')).text()).toBe(STYLE_CSS);
    expect((await get(app, '/')).text()).toContain('root index');
  });
});

describe('serveStatic() precompressed siblings', () => {
  it('should serve the .br sibling to a client that accepts br, with the original type and Vary', async () => {
    const res = await get(makeApp(), '/static/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(brotliDecompressSync(res.body).toString()).toBe(APP_JS);
    expect(res.headers['content-length']).toBe(String(res.body.length));
  });

  it('should serve the .gz sibling when gzip is preferred by q-value', async () => {
    const res = await get(makeApp(), '/static/app.js', { 'accept-encoding': 'br;q=0.5, gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.body).toString()).toBe(APP_JS);
  });

  it('should not serve a coding the client excludes with q=0', async () => {
    const res = await get(makeApp(), '/static/app.js', { 'accept-encoding': 'br;q=0, gzip;q=0' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.text()).toBe(APP_JS);
  });

  it('should serve the original, still with Vary, to a client that sends no Accept-Encoding', async () => {
    const res = await get(makeApp(), '/static/app.js');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBe('Accept-Encoding');
    expect(res.text()).toBe(APP_JS);
  });

  it('should fall back to the original when the accepted sibling does not exist', async () => {
    const res = await get(makeApp(), '/static/style.css', { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.text()).toBe(STYLE_CSS);
  });

  it('should give each representation its own ETag', async () => {
    const app = makeApp();
    const plain = await get(app, '/static/app.js');
    const br = await get(app, '/static/app.js', { 'accept-encoding': 'br' });
    const gz = await get(app, '/static/app.js', { 'accept-encoding': 'gzip' });
    expect(new Set([plain.headers['etag'], br.headers['etag'], gz.headers['etag']]).size).toBe(3);
  });

  it('should not look for siblings when precompressed is false', async () => {
    const res = await get(makeApp({ precompressed: false }), '/static/app.js', { 'accept-encoding': 'br' });
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['vary']).toBeUndefined();
  });

  it('should only try the codings listed in precompressed', async () => {
    const res = await get(makeApp({ precompressed: ['gzip'] }), '/static/app.js', { 'accept-encoding': 'br, gzip' });
    expect(res.headers['content-encoding']).toBe('gzip');
  });
});
