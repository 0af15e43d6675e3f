/**
 * `body()`: every parser, limit and refusal, over `app.inject` (most cases), supertest (a real
 * client), and raw sockets where timing on the wire is the point: a refused body is answered
 * before the client finished sending it, and a declared-too-large one without `100 Continue`.
 */
import zlib from 'node:zlib';
import supertest from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { App, readBody } from '../../src/index.js';
import { body, type BodyOptions } from '../../src/middleware/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { closeAll, deferred, serve } from '../helpers/server.js';

afterEach(closeAll);

/** An app that parses with `options` and echoes what it got. */
function echo(options?: BodyOptions): App {
  const app = new App({ logger: false });
  app.use(body(options));
  app.use((ctx) => {
    const b = ctx.request.body;
    ctx.body = {
      body: Buffer.isBuffer(b) ? { bytes: b.length } : (b ?? null),
      proto: typeof b === 'object' && b !== null && !Buffer.isBuffer(b) ? Object.getPrototypeOf(b) === null : null,
      raw: ctx.request.rawBody?.toString('latin1') ?? null,
    };
  });
  return app;
}

async function post(app: App, type: string | null, payload: string | Buffer, headers: Record<string, string> = {}) {
  const h: Record<string, string> = { ...headers };
  if (type !== null) h['content-type'] = type;
  const { responses } = await app.inject({ method: 'POST', url: '/', headers: h, body: payload });
  return responses[responses.length - 1]!;
}

function chunkedHead(extra = ''): string {
  return `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n${extra}\r\n`;
}

function chunk(data: string | Buffer): Buffer {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data);
  return Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n')]);
}

describe('body() — JSON', () => {
  it('should parse a JSON body onto ctx.request.body', async () => {
    const res = await post(echo(), 'application/json', '{"a":[1,{"b":null}]}');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ body: { a: [1, { b: null }] } });
  });

  it('should take +json types and a utf-8 charset', async () => {
    const res = await post(echo(), 'application/vnd.api+json; charset=UTF-8', '{"ok":true}');
    expect(res.json()).toMatchObject({ body: { ok: true } });
  });

  it('should answer 400 saying where malformed JSON breaks', async () => {
    const res = await post(echo(), 'application/json', '{\n  "a": 1,\n  "b": }');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    const p = res.json<{ code: string; detail: string; details: unknown }>();
    expect(p.code).toBe('ERR_BODY_INVALID_JSON');
    expect(p.detail).toBe('Invalid JSON at line 3, column 8 (position 19): Unexpected token "}"');
    expect(p.details).toEqual({ position: 19, line: 3, column: 8 });
  });

  it('should answer 400 for a truncated JSON body, at its end', async () => {
    const p = (await post(echo(), 'application/json', '{"a":[1,2')).json<{ detail: string }>();
    expect(p.detail).toBe('Invalid JSON at line 1, column 10 (position 9): Unexpected end of JSON input');
  });

  it.each([
    ['a __proto__ key', '{"a":1,"__proto__":{"admin":true}}'],
    ['a nested __proto__ key', '{"a":[{"b":{"__proto__":{"x":1}}}]}'],
    ['an escaped __proto__ key', '{"\\u005f_proto__":{"admin":true}}'],
    ['constructor.prototype', '{"constructor":{"prototype":{"admin":true}}}'],
    // Spelled with \u escapes, so that the text holds neither "proto" nor "constructor".
    ['an escaped constructor.prototype', '{"\\u0063onstructor":{"\\u0070rototype":{"admin":true}}}'],
    ['an escaped prototype under a plain constructor', '{"constructor":{"pro\\u0074otype":{"admin":true}}}'],
    ['an escaped __proto__ with no "proto" left', '{"a":{"__pr\\u006fto__":{"admin":true}}}'],
  ])('should refuse %s with 400 ERR_BODY_FORBIDDEN_KEY', async (_name, json) => {
    const res = await post(echo(), 'application/json', json);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_BODY_FORBIDDEN_KEY' });
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('should refuse a __proto__ key that arrives split across chunks', async () => {
    const app = echo();
    const { responses } = await app.inject(
      `${chunkedHead()}${chunk('{"a":1,"__pr').toString()}${chunk('oto__":{"admin":true}}').toString()}0\r\n\r\n`,
    );
    expect(responses[0]!.status).toBe(400);
    expect(responses[0]!.json()).toMatchObject({ code: 'ERR_BODY_FORBIDDEN_KEY' });
  });

  it('should accept escapes that spell no dangerous key', async () => {
    const res = await post(echo(), 'application/json', '{"\\u0063onstructor":{"protot\\u0079pes":1},"\\u0070":2}');
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ body: { constructor: { prototypes: 1 }, p: 2 } });
  });

  it('should accept a plain "constructor" or "proto" value that poisons nothing', async () => {
    const res = await post(echo(), 'application/json', '{"constructor":"x","proto":{"prototype":1}}');
    expect(res.json()).toMatchObject({ body: { constructor: 'x', proto: { prototype: 1 } } });
  });

  it("should answer 400 for an empty body with a JSON Content-Type (Fastify's rule)", async () => {
    const res = await post(echo(), 'application/json', '');
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'ERR_BODY_EMPTY_JSON',
      detail: "Body cannot be empty when content-type is set to 'application/json'",
    });
  });

  it('should answer 400 for an empty chunked JSON body too', async () => {
    const app = echo();
    const { responses } = await app.inject(`${chunkedHead()}0\r\n\r\n`);
    expect(responses[0]!.json()).toMatchObject({ code: 'ERR_BODY_EMPTY_JSON' });
  });

  it('should answer 415 for a JSON body in a charset other than UTF-8', async () => {
    const res = await post(echo(), 'application/json; charset=utf-16le', Buffer.from('{}', 'utf16le'));
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({ code: 'ERR_UNSUPPORTED_CHARSET' });
  });

  it('should drop a leading byte order mark and keep bad UTF-8 as U+FFFD, as TextDecoder does', async () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"x')]);
    const res = await post(echo(), 'application/json', Buffer.concat([bom, Buffer.from([0xff]), Buffer.from('"}')]));
    expect(res.status).toBe(200);
    expect(res.json()).toMatchObject({ body: { a: 'x\ufffd' } });
  });

  it('should decide each Content-Type by its own charset, however many distinct ones it has seen', async () => {
    const app = echo();
    // More distinct values than the per-body() memo holds, interleaved with the two that matter.
    for (let i = 0; i < 40; i++) {
      expect((await post(app, `application/json; v=${i}`, '{"i":1}')).status).toBe(200);
      expect((await post(app, 'application/json; charset=utf-16le', '{}')).status).toBe(415);
      expect((await post(app, `text/x-${i}`, 'x')).status).toBe(415);
    }
    expect((await post(app, 'application/json; charset=utf-8', '{"ok":1}')).json()).toMatchObject({ body: { ok: 1 } });
  });

  it('should keep the bytes on ctx.request.rawBody when asked', async () => {
    const res = await post(echo({ rawBody: true }), 'application/json', '{ "a" : 1 }');
    expect(res.json()).toMatchObject({ body: { a: 1 }, raw: '{ "a" : 1 }' });
  });

  it('should parse a body only once when two body() middlewares meet it', async () => {
    const app = new App({ logger: false });
    app.use(body());
    app.use(body({ json: { limit: 1 } }));
    app.use((ctx) => {
      ctx.body = ctx.request.body as object;
    });
    const { responses } = await app.inject({ method: 'POST', url: '/', body: { a: 1 } });
    expect(responses[0]!.json()).toEqual({ a: 1 });
  });

  it('should keep a body another parser put on ctx.request.body, reading nothing', async () => {
    const app = new App({ logger: false });
    // A third-party parser, through the public surface: it spends the bytes and sets the body.
    app.use(async (ctx, next) => {
      ctx.request.body = { via: 'other', size: (await readBody(ctx, { limit: 1024 })).length };
      await next();
    });
    app.use(body());
    app.use((ctx) => {
      ctx.body = ctx.request.body as object;
    });
    const res = await post(app, 'application/json', '{"a":1}');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ via: 'other', size: 7 });
  });
});

describe('body() — forms, text, raw', () => {
  it('should parse urlencoded bodies into prototype-less objects', async () => {
    const res = await post(echo(), 'application/x-www-form-urlencoded', 'a=1&a=2&b=x+y&c[d]=e&__proto__=p');
    expect(res.json()).toEqual({ body: { a: ['1', '2'], b: 'x y', 'c[d]': 'e' }, proto: true, raw: null });
  });

  it("should nest urlencoded keys with query()'s options", async () => {
    const res = await post(
      echo({ urlencoded: { nested: true } }),
      'application/x-www-form-urlencoded',
      'c[d]=e&l[]=1&l[]=2',
    );
    expect(res.json()).toMatchObject({ body: { c: { d: 'e' }, l: ['1', '2'] } });
  });

  it('should read text in its declared charset when text is enabled', async () => {
    const res = await post(
      echo({ text: true }),
      'text/plain; charset=iso-8859-1',
      Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    );
    expect(res.json()).toMatchObject({ body: 'café' });
  });

  it('should answer 415 for a text charset nobody knows', async () => {
    const res = await post(echo({ text: true }), 'text/plain; charset=klingon', 'x');
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({ code: 'ERR_UNSUPPORTED_CHARSET' });
  });

  it('should hand raw bodies over as a Buffer when raw is enabled', async () => {
    const res = await post(echo({ raw: true }), 'application/octet-stream', Buffer.alloc(300, 7));
    expect(res.json()).toMatchObject({ body: { bytes: 300 } });
  });

  it('should apply custom types to a parser', async () => {
    const res = await post(echo({ text: { types: ['text/*', 'application/xml'] } }), 'application/xml', '<a/>');
    expect(res.json()).toMatchObject({ body: '<a/>' });
  });
});

describe('body() — 415', () => {
  it('should answer 415 for a body no enabled parser accepts', async () => {
    const res = await post(echo(), 'text/plain', 'hello');
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({
      code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
      detail: 'Unsupported Content-Type: text/plain',
    });
  });

  it('should answer 415 for a body without a Content-Type', async () => {
    const res = await post(echo(), null, 'hello');
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({
      code: 'ERR_UNSUPPORTED_MEDIA_TYPE',
      detail: 'A request body needs a Content-Type',
    });
  });

  it('should answer 415 on a route whose body() does not accept the type, while others accept it', async () => {
    const app = new App({ logger: false });
    app.post('/json-only', body({ urlencoded: false }), (ctx) => ctx.request.body);
    app.post('/forms', body(), (ctx) => ctx.request.body);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const refused = await app.inject({ method: 'POST', url: '/json-only', headers: form, body: 'a=1' });
    const accepted = await app.inject({ method: 'POST', url: '/forms', headers: form, body: 'a=1' });
    expect(refused.responses[0]!.status).toBe(415);
    expect(accepted.responses[0]!.json()).toEqual({ a: '1' });
  });

  it('should leave an unknown type unread with enforce: false', async () => {
    const res = await post(echo({ enforce: false }), 'text/plain', 'hello');
    expect(res.json()).toMatchObject({ body: null });
  });

  it('should not read GET bodies or requests without a body at all', async () => {
    const app = echo();
    const get = await app.inject({
      method: 'GET',
      url: '/',
      headers: { 'content-type': 'text/plain' },
      body: 'ignored',
    });
    const bare = await app.inject({ method: 'POST', url: '/' });
    expect(get.responses[0]!.json()).toMatchObject({ body: null });
    expect(bare.responses[0]!.json()).toMatchObject({ body: null });
  });

  it('should answer 415 with Accept-Encoding for an unknown Content-Encoding, before reading', async () => {
    const res = await post(echo(), 'application/json', '{}', { 'content-encoding': 'zstd' });
    expect(res.status).toBe(415);
    expect(res.headers['accept-encoding']).toBe('gzip, deflate, br, identity');
    expect(res.json()).toMatchObject({ code: 'ERR_UNSUPPORTED_CONTENT_ENCODING' });
  });
});

describe('body() — limits', () => {
  it('should answer 413 for a declared Content-Length over the limit, and close', async () => {
    const res = await post(echo({ json: { limit: 10 } }), 'application/json', '{"a":"0123456789"}');
    expect(res.status).toBe(413);
    expect(res.headers['connection']).toBe('close');
    expect(res.json()).toMatchObject({
      code: 'ERR_BODY_TOO_LARGE',
      detail: 'Request body over the limit of 10 bytes (Content-Length: 18)',
    });
  });

  it('should accept a body of exactly the limit', async () => {
    const res = await post(echo({ json: { limit: 7 } }), 'application/json', '{"a":1}');
    expect(res.status).toBe(200);
  });

  it.each([
    ['urlencoded', 'application/x-www-form-urlencoded', 'a=12345', { urlencoded: { limit: 4 } }],
    ['text', 'text/plain', '12345', { text: { limit: 4 } }],
    ['raw', 'application/octet-stream', '12345', { raw: { limit: 4 } }],
  ] as const)('should apply the %s limit', async (_k, type, payload, options) => {
    expect((await post(echo(options), type, payload)).status).toBe(413);
  });

  it('should default to 1 MiB for JSON and 56 KiB for forms', async () => {
    const json = await post(echo(), 'application/json', '', { 'content-length': String(1024 * 1024 + 1) });
    const form = await post(echo(), 'application/x-www-form-urlencoded', '', {
      'content-length': String(56 * 1024 + 1),
    });
    expect([json.status, form.status]).toEqual([413, 413]);
  });

  it('should answer 413 for a chunked body that grows past the limit', async () => {
    const app = echo({ json: { limit: 8 } });
    const { responses } = await app.inject(
      `${chunkedHead()}${chunk('{"a":').toString()}${chunk('"0123456789"}').toString()}0\r\n\r\n`,
    );
    expect(responses[0]!.status).toBe(413);
    expect(responses[0]!.json()).toMatchObject({ detail: 'Request body over the limit of 8 bytes (received)' });
  });
});

describe('body() — Content-Encoding', () => {
  it.each([
    ['gzip', zlib.gzipSync],
    ['deflate', zlib.deflateSync],
    ['br', zlib.brotliCompressSync],
  ] as const)('should decode a %s body', async (coding, compress) => {
    const res = await post(echo({ rawBody: true }), 'application/json', compress(Buffer.from('{"z":[1,2,3]}')), {
      'content-encoding': coding,
    });
    expect(res.json()).toMatchObject({ body: { z: [1, 2, 3] }, raw: '{"z":[1,2,3]}' });
  });

  it('should apply the limit to the decoded size', async () => {
    const small = zlib.gzipSync(Buffer.from(JSON.stringify({ pad: 'x'.repeat(5000) })));
    expect(small.length).toBeLessThan(100);
    const res = await post(echo({ json: { limit: 1000 } }), 'application/json', small, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ detail: 'Request body over the limit of 1000 bytes (decoded)' });
  });

  it('should cap the encoded size too: empty gzip members never decode past the limit', async () => {
    const empty = zlib.gzipSync(Buffer.alloc(0));
    const stream = Buffer.concat(Array.from({ length: 100 }, () => empty));
    expect(stream.length).toBeGreaterThan(1000);
    // Chunked, so no declared length refuses it up front: the cap has to act while reading.
    const { responses } = await echo({ json: { limit: 1000 } }).inject(
      Buffer.concat([Buffer.from(chunkedHead('Content-Encoding: gzip\r\n')), chunk(stream), Buffer.from('0\r\n\r\n')]),
    );
    expect(responses[0]!.status).toBe(413);
    expect(responses[0]!.json()).toMatchObject({
      detail: 'Request body over the limit of 1000 bytes (before decoding)',
    });
  });

  it('should answer 400 for a body that does not decode', async () => {
    const res = await post(echo(), 'application/json', 'not gzip at all', { 'content-encoding': 'gzip' });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_BODY_INVALID_ENCODING' });
  });

  it('should refuse a 100 MiB gzip bomb with 413 quickly, without inflating it', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(100 * 1024 * 1024));
    const { url } = await serve(echo());
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      code: 'ERR_BODY_TOO_LARGE',
      detail: 'Request body over the limit of 1048576 bytes (decoded)',
    });
    expect(performance.now() - started).toBeLessThan(5000);
    // Inflating it would take 100 MiB; reading up to the limit takes one.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('body() — over a real client', () => {
  it('should parse JSON sent by supertest', async () => {
    const { url } = await serve(echo());
    const res = await supertest(url).post('/').send({ hello: 'world' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ body: { hello: 'world' } });
  });

  it('should answer 413 to supertest for a 2 MiB JSON body', async () => {
    const { url } = await serve(echo());
    const res = await supertest(url)
      .post('/')
      .set('content-type', 'application/json')
      .send(`"${'x'.repeat(2 * 1024 * 1024)}"`);
    expect(res.status).toBe(413);
  });
});

describe('body() — on the wire', () => {
  /** Three JSON POSTs (Content-Length, chunked, Content-Length) and a GET, pipelined. */
  const pipeline = [
    'POST /1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"n":"a"}',
    `POST /2 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${chunk('{"n":').toString()}${chunk('"b"}').toString()}0\r\n\r\n`,
    'POST /3 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"n":"c"}',
    'GET /4 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
  ].join('');

  async function answers(pieces: string[]): Promise<string[]> {
    const app = new App({ logger: false });
    app.use(body());
    app.use((ctx) => {
      ctx.body = `${ctx.path} ${JSON.stringify(ctx.request.body ?? null)}`;
    });
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    for (const p of pieces) await c.send(p);
    await c.waitForServerClose();
    const out = c.responses(['POST', 'POST', 'POST', 'GET']).map((r) => r.text());
    c.destroy();
    return out;
  }

  it('should read pipelined bodies of every framing, each to its own request, whole or split at any byte', async () => {
    const want = ['/1 {"n":"a"}', '/2 {"n":"b"}', '/3 {"n":"c"}', '/4 null'];
    // Whole: each body is handed over from inside the read of its head, stopping at its end.
    expect(await answers([pipeline])).toEqual(want);
    for (const at of [40, 95, 150, 200, 260])
      expect(await answers([pipeline.slice(0, at), pipeline.slice(at)])).toEqual(want);
  });

  it('should answer 413 before the client finished sending a chunked body that grows past the limit', async () => {
    const { port } = await serve(echo({ json: { limit: 1024 } }));
    const c = await RawClient.connect(port);
    await c.send(chunkedHead());
    // Three 512-byte pieces, each awaited: the third crosses the limit. The terminating chunk is never sent.
    for (let i = 0; i < 3; i++) await c.send(chunk(Buffer.alloc(512, 0x20)));
    const [res] = await c.waitForResponses(1);
    expect(res!.status).toBe(413);
    expect(res!.headers['connection']).toBe('close');
    await c.waitForServerClose();
    c.destroy();
  });

  it('should answer 413 to a declared-too-large body with Expect: 100-continue, without sending 100 Continue', async () => {
    const { port } = await serve(echo({ json: { limit: 1024 } }));
    const c = await RawClient.connect(port);
    await c.send(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n',
    );
    const [res] = await c.waitForResponses(1);
    expect(res!.status).toBe(413);
    expect(c.raw.toString('latin1')).not.toContain('100 Continue');
    await c.waitForServerClose();
    c.destroy();
  });

  it('should answer 413 right after the head when Content-Length is over the limit, body unsent', async () => {
    const { port } = await serve(echo({ json: { limit: 1024 } }));
    const c = await RawClient.connect(port);
    await c.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n');
    const [res] = await c.waitForResponses(1);
    expect(res!.status).toBe(413);
    expect(res!.headers['connection']).toBe('close');
    c.destroy();
  });

  it('should answer 415 to Expect: 100-continue without sending 100 Continue', async () => {
    const { port } = await serve(echo());
    const c = await RawClient.connect(port);
    await c.send(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n',
    );
    const [res] = await c.waitForResponses(1);
    expect(res!.status).toBe(415);
    expect(c.raw.toString('latin1')).not.toContain('100 Continue');
    c.destroy();
  });

  it('should fail the read with 400 ERR_BODY_ABORTED when the client leaves mid-body', async () => {
    const app = new App({ logger: false });
    const started = deferred();
    const failed = deferred<unknown>();
    app.use(async (_ctx, next) => {
      started.resolve();
      try {
        await next();
      } catch (err) {
        failed.resolve(err);
        throw err;
      }
    });
    app.use(body());
    const { port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send('POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":');
    await started.promise;
    c.destroy();
    expect(await failed.promise).toMatchObject({ status: 400, code: 'ERR_BODY_ABORTED' });
  });

  it('should send 100 Continue and parse a body the limit allows', async () => {
    const { port } = await serve(echo());
    const c = await RawClient.connect(port);
    await c.send(
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n',
    );
    await c.waitForBytes(1);
    expect(c.raw.toString('latin1')).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    await c.send('{"a":1}');
    const got = await c.waitForResponses(2);
    expect(got[1]!.json()).toMatchObject({ body: { a: 1 } });
    c.destroy();
  });

  it('should parse a JSON body sent byte by byte', async () => {
    const { port } = await serve(echo());
    const c = await RawClient.connect(port);
    const payload = '{"split":["a","b"]}';
    await c.send(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${payload.length}\r\n\r\n${payload}`,
      { byteByByte: true },
    );
    const [res] = await c.waitForResponses(1);
    expect(res!.json()).toMatchObject({ body: { split: ['a', 'b'] } });
    c.destroy();
  });

  it('should keep the connection usable after a body it parsed fully', async () => {
    const { port } = await serve(echo());
    const c = await RawClient.connect(port);
    const req = 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}';
    await c.send(req + req);
    const got = await c.waitForResponses(2);
    expect(got.map((r) => r.status)).toEqual([200, 200]);
    expect(c.serverClosed).toBe(false);
    c.destroy();
  });
});
