/**
 * `body({ multipart })`: fields onto `ctx.request.body`, files onto `ctx.request.files` (disk or
 * memory), every limit and refusal, the temp directory's cleanup, and how it meets other `body()`s
 * and `validate()`. Over `app.inject` for most cases; over real sockets with fetch's FormData,
 * curl -F and raw bytes (Content-Length and chunked) for what a client sends.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App } from '../../src/index.js';
import { body, validate, type MultipartOptions } from '../../src/middleware/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { closeAll, deferred, serve } from '../helpers/server.js';
import { BOUNDARY, FORM_TYPE, form, openFds, partHead } from './multipart-fixture.js';

/** The parent of this test's temp directories, so what is left in it can be listed. */
let parent = '';
beforeEach(() => {
  parent = mkdtempSync(path.join(tmpdir(), 'shallot-multipart-test-'));
});
afterEach(async () => {
  await closeAll();
  rmSync(parent, { recursive: true, force: true });
});

interface Echo {
  fields: Record<string, unknown> | null;
  proto: boolean;
  files: Record<string, { filename: string; type: string; size: number; content: string; onDisk: boolean }[]>;
}

/** An app that parses uploads with `options` (files under `parent`) and echoes what it got, file contents included. */
function uploads(options: MultipartOptions = {}): App {
  const app = new App({ logger: false });
  app.use(body({ multipart: { dir: parent, ...options } }));
  app.use((ctx) => {
    const files: Echo['files'] = {};
    for (const [name, list] of Object.entries(ctx.request.files ?? {})) {
      files[name] = list.map((f) => ({
        filename: f.filename,
        type: f.type,
        size: f.size,
        content: (f.path !== undefined ? readFileSync(f.path) : f.buffer!).toString('utf8'),
        onDisk: f.path !== undefined && path.dirname(path.dirname(f.path)) === parent,
      }));
    }
    const b = ctx.request.body as Record<string, unknown> | undefined;
    ctx.body = { fields: b ?? null, proto: b !== undefined && Object.getPrototypeOf(b) === null, files };
  });
  return app;
}

async function post(app: App, payload: Buffer, type = FORM_TYPE) {
  const { responses } = await app.inject({
    method: 'POST',
    url: '/',
    headers: { 'content-type': type },
    body: payload,
  });
  return responses[responses.length - 1]!;
}

/** Resolves once `dir` has no entries, woken by the file system's own events. */
function emptied(dir: string): Promise<void> {
  return new Promise((resolve) => {
    const w = watch(dir);
    const check = (): void => {
      if (readdirSync(dir).length === 0) {
        w.close();
        resolve();
      }
    };
    w.on('change', check);
    check();
  });
}

describe('body({ multipart }) — fields and files', () => {
  it('should put fields on a prototype-less ctx.request.body and files on ctx.request.files', async () => {
    const res = await post(
      uploads(),
      form([
        { name: 'title', value: 'Holiday' },
        { name: 'tag', value: 'sea' },
        { name: 'tag', value: 'sun' },
        { name: 'photo', filename: 'a.txt', data: 'first file', type: 'text/plain' },
        { name: 'photo', filename: 'b.bin', data: Buffer.from([0, 1, 2, 255]) },
      ]),
    );
    expect(res.status).toBe(200);
    const e = res.json<Echo>();
    expect(e.fields).toEqual({ title: 'Holiday', tag: ['sea', 'sun'] });
    expect(e.proto).toBe(true);
    expect(e.files['photo']).toEqual([
      { filename: 'a.txt', type: 'text/plain', size: 10, content: 'first file', onDisk: true },
      {
        filename: 'b.bin',
        type: 'application/octet-stream',
        size: 4,
        content: Buffer.from([0, 1, 2, 255]).toString('utf8'),
        onDisk: true,
      },
    ]);
  });

  it('should remove the temp directory once the response is sent', async () => {
    const res = await post(uploads(), form([{ name: 'f', filename: 'x.txt', data: 'x' }]));
    expect(res.json<Echo>().files['f']).toHaveLength(1);
    await emptied(parent);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('should make no temp directory for a form without files', async () => {
    const app = new App({ logger: false });
    app.use(body({ multipart: { dir: parent } }));
    app.use((ctx) => {
      ctx.body = { fields: ctx.request.body, dirs: readdirSync(parent) };
    });
    const res = await post(app, form([{ name: 'a', value: '1' }]));
    expect(res.json()).toEqual({ fields: { a: '1' }, dirs: [] });
  });

  it("should keep files in memory with storage: 'memory'", async () => {
    const e = (
      await post(uploads({ storage: 'memory' }), form([{ name: 'f', filename: 'm.txt', data: 'in memory' }]))
    ).json<Echo>();
    expect(e.files['f']).toEqual([
      { filename: 'm.txt', type: 'application/octet-stream', size: 9, content: 'in memory', onDisk: false },
    ]);
    expect(readdirSync(parent)).toEqual([]);
  });

  it("should answer 413 over the 1 MiB memory fileSize default with storage: 'memory'", async () => {
    const res = await post(
      uploads({ storage: 'memory' }),
      form([{ name: 'big', filename: 'big.bin', data: Buffer.alloc(1024 * 1024 + 1) }]),
    );
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ code: 'ERR_MULTIPART_LIMIT' });
    expect(res.json<{ detail: string }>().detail).toBe('File "big" exceeds the fileSize limit of 1048576 bytes');
  });
});

describe('body({ multipart }) — limits', () => {
  it.each([
    [
      'a file exceeds fileSize',
      { fileSize: 5 },
      [{ name: 'avatar', filename: 'a.png', data: '123456' }],
      'File "avatar" exceeds the fileSize limit of 5 bytes',
    ],
    [
      'there are more files than files',
      { files: 1 },
      [
        { name: 'a', filename: 'a', data: '1' },
        { name: 'b', filename: 'b', data: '2' },
      ],
      'The file "b" is over the files limit of 1',
    ],
    [
      'there are more fields than fields',
      { fields: 2 },
      [
        { name: 'x', value: '1' },
        { name: 'y', value: '2' },
        { name: 'z', value: '3' },
      ],
      'The field "z" is over the fields limit of 2',
    ],
    [
      'a field value exceeds fieldSize',
      { fieldSize: 4 },
      [{ name: 'bio', value: 'hello' }],
      'Field "bio" exceeds the fieldSize limit of 4 bytes',
    ],
    [
      'there are more parts than parts',
      { parts: 2 },
      [
        { name: 'x', value: '1' },
        { name: 'f', filename: 'f', data: '2' },
        { name: 'last', value: '3' },
      ],
      'The field "last" is over the parts limit of 2',
    ],
  ] as const)('should answer 413 naming the limit and the field when %s', async (_what, limits, parts, detail) => {
    const res = await post(uploads({ limits }), form([...parts]));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(res.json()).toMatchObject({ status: 413, code: 'ERR_MULTIPART_LIMIT', detail });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('should answer 413 for a file over the 10 MiB fileSize default', async () => {
    const res = await post(uploads(), form([{ name: 'big', filename: 'b', data: Buffer.alloc(10 * 1024 * 1024 + 1) }]));
    expect(res.json()).toMatchObject({
      status: 413,
      detail: 'File "big" exceeds the fileSize limit of 10485760 bytes',
    });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('should accept a file of exactly fileSize bytes', async () => {
    const res = await post(uploads({ limits: { fileSize: 5 } }), form([{ name: 'f', filename: 'f', data: '12345' }]));
    expect(res.status).toBe(200);
    expect(res.json<Echo>().files['f']![0]!.size).toBe(5);
  });
});

describe('body({ multipart }) — refusals', () => {
  it('should answer 400 ERR_MULTIPART_BOUNDARY for a multipart type without a boundary', async () => {
    const res = await post(uploads(), form([{ name: 'a', value: '1' }]), 'multipart/form-data');
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_MULTIPART_BOUNDARY' });
  });

  it('should answer 400 ERR_MULTIPART_BOUNDARY for a boundary over 70 characters', async () => {
    const b = 'b'.repeat(71);
    const res = await post(uploads(), form([{ name: 'a', value: '1' }], b), `multipart/form-data; boundary=${b}`);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_MULTIPART_BOUNDARY' });
  });

  it('should take a quoted boundary of 70 characters', async () => {
    const b = 'q'.repeat(69) + '=';
    const res = await post(uploads(), form([{ name: 'a', value: '1' }], b), `multipart/form-data; boundary="${b}"`);
    expect(res.json<Echo>().fields).toEqual({ a: '1' });
  });

  it('should answer 400 ERR_MULTIPART_MALFORMED for a body without its closing boundary', async () => {
    const whole = form([{ name: 'f', filename: 'f.txt', data: 'some bytes' }]);
    const res = await post(uploads(), whole.subarray(0, whole.length - `--${BOUNDARY}--\r\n`.length - 4));
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_MULTIPART_MALFORMED' });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('should answer 400 ERR_MULTIPART_MALFORMED for a part header that does not parse', async () => {
    const bad = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition form-data\r\n\r\nx\r\n--${BOUNDARY}--\r\n`);
    const res = await post(uploads(), bad);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ERR_MULTIPART_MALFORMED' });
  });

  it('should answer 415 ERR_MULTIPART_FILE_TYPE naming the field for a file type accept refuses', async () => {
    const app = uploads({ accept: ['image/*'] });
    const res = await post(app, form([{ name: 'avatar', filename: 'a.txt', data: 'text', type: 'text/plain' }]));
    expect(res.status).toBe(415);
    expect(res.json()).toMatchObject({
      code: 'ERR_MULTIPART_FILE_TYPE',
      detail: 'File "avatar" has type text/plain, not one of image/*',
    });
    const ok = await post(app, form([{ name: 'avatar', filename: 'a.png', data: 'png', type: 'image/png' }]));
    expect(ok.status).toBe(200);
  });

  it('should answer 415 for a Content-Encoding on a multipart body', async () => {
    const { responses } = await uploads().inject({
      method: 'POST',
      url: '/',
      headers: { 'content-type': FORM_TYPE, 'content-encoding': 'gzip' },
      body: form([{ name: 'a', value: '1' }]),
    });
    expect(responses[0]!.json()).toMatchObject({ status: 415, code: 'ERR_UNSUPPORTED_CONTENT_ENCODING' });
  });
});

describe('body({ multipart }) — with other body() and validate()', () => {
  it('should leave multipart alone in a body() without it, for a route body({ multipart }) to read', async () => {
    const app = new App({ logger: false });
    app.use(body());
    app.post('/plain', (ctx) => ({ body: ctx.request.body ?? null }));
    app.post('/upload', body({ multipart: { dir: parent, limits: { fileSize: 3 } } }), (ctx) => ({
      body: ctx.request.body,
      files: Object.keys(ctx.request.files ?? {}),
    }));
    const send = (url: string, payload: Buffer) =>
      app.inject({ method: 'POST', url, headers: { 'content-type': FORM_TYPE }, body: payload });
    const plain = (await send('/plain', form([{ name: 'a', value: '1' }]))).responses[0]!;
    expect(plain.status).toBe(200);
    expect(plain.json()).toEqual({ body: null });
    const up = (
      await send(
        '/upload',
        form([
          { name: 'a', value: '1' },
          { name: 'f', filename: 'f', data: 'abc' },
        ]),
      )
    ).responses[0]!;
    expect(up.json()).toEqual({ body: { a: '1' }, files: ['f'] });
    const over = (await send('/upload', form([{ name: 'f', filename: 'f', data: 'abcd' }]))).responses[0]!;
    expect(over.json()).toMatchObject({ status: 413, detail: 'File "f" exceeds the fileSize limit of 3 bytes' });
  });

  it("should read multipart with the first body() that enables it, that one's limits applying", async () => {
    const app = new App({ logger: false });
    app.use(body({ multipart: { dir: parent, limits: { fileSize: 2 } } }));
    app.post('/upload', body({ multipart: { dir: parent, limits: { fileSize: 100 } } }), () => 'ok');
    const { responses } = await app.inject({
      method: 'POST',
      url: '/upload',
      headers: { 'content-type': FORM_TYPE },
      body: form([{ name: 'f', filename: 'f', data: 'abc' }]),
    });
    expect(responses[0]!.json()).toMatchObject({
      status: 413,
      detail: 'File "f" exceeds the fileSize limit of 2 bytes',
    });
  });

  it('should keep the other parsers beside multipart, and their refusals', async () => {
    const res = await post(uploads({}), Buffer.from('{"j":1}'), 'application/json');
    expect(res.json<Echo>().fields).toEqual({ j: 1 });
    const app = new App({ logger: false });
    app.use(body({ json: false, multipart: true }));
    app.use(() => 'ok');
    const refused = (
      await app.inject({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, body: '{}' })
    ).responses[0]!;
    expect(refused.json()).toMatchObject({ status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
  });

  it('should hand validate() the fields to check and type, as for urlencoded', async () => {
    const app = new App({ logger: false });
    app.post(
      '/people',
      body({ multipart: { dir: parent } }),
      validate({ body: z.object({ name: z.string().min(1), age: z.coerce.number().int() }) }),
      (ctx) => {
        const b = ctx.request.body as { name: string; age: number };
        return { name: b.name, nextAge: b.age + 1, files: Object.keys(ctx.request.files ?? {}) };
      },
    );
    const send = (payload: Buffer) =>
      app.inject({ method: 'POST', url: '/people', headers: { 'content-type': FORM_TYPE }, body: payload });
    const ok = (
      await send(
        form([
          { name: 'name', value: 'Ada' },
          { name: 'age', value: '36' },
        ]),
      )
    ).responses[0]!;
    expect(ok.json()).toEqual({ name: 'Ada', nextAge: 37, files: [] });
    const bad = (
      await send(
        form([
          { name: 'name', value: '' },
          { name: 'age', value: 'old' },
        ]),
      )
    ).responses[0]!;
    expect(bad.status).toBe(400);
    expect(bad.json<{ errors: { pointer: string }[] }>().errors.map((e) => e.pointer)).toEqual(['/name', '/age']);
  });

  it('should type the fields for the handler when validate() comes first in the route', async () => {
    const app = new App({ logger: false });
    app.use(body({ multipart: { dir: parent } }));
    app.post('/typed', validate({ body: z.object({ n: z.coerce.number() }) }), (ctx) => ({
      twice: ctx.request.body.n * 2,
    }));
    const { responses } = await app.inject({
      method: 'POST',
      url: '/typed',
      headers: { 'content-type': FORM_TYPE },
      body: form([{ name: 'n', value: '21' }]),
    });
    expect(responses[0]!.json()).toEqual({ twice: 42 });
  });
});

describe('body({ multipart }) — over the wire', () => {
  it('should take several files, fields and UTF-8 file names from fetch FormData', async () => {
    const { url } = await serve(uploads());
    const fd = new FormData();
    fd.append('title', 'Été à Kyōto');
    fd.append('photo', new Blob(['one'], { type: 'image/png' }), 'résumé 履歴書.png');
    fd.append('photo', new Blob(['two'], { type: 'image/jpeg' }), 'ß.jpg');
    fd.append('doc', new Blob([Buffer.alloc(300_000, 7)]), 'big.bin');
    const res = await fetch(url, { method: 'POST', body: fd });
    expect(res.status).toBe(200);
    const e = (await res.json()) as Echo;
    expect(e.fields).toEqual({ title: 'Été à Kyōto' });
    expect(e.files['photo']!.map((f) => [f.filename, f.type, f.content])).toEqual([
      ['résumé 履歴書.png', 'image/png', 'one'],
      ['ß.jpg', 'image/jpeg', 'two'],
    ]);
    expect(e.files['doc']![0]!.size).toBe(300_000);
  });

  it.each([
    ['with Content-Length', []],
    ['chunked', ['-H', 'Transfer-Encoding: chunked']],
  ])('should take curl -F uploads %s', async (_how, extra) => {
    const { url } = await serve(uploads());
    const src = path.join(parent, 'src');
    rmSync(src, { force: true });
    const fileA = `${parent}-a.txt`;
    const fileB = `${parent}-b.bin`;
    writeFileSync(fileA, 'from curl');
    writeFileSync(fileB, Buffer.alloc(2 * 1024 * 1024, 1));
    try {
      const curl = spawn('/usr/bin/curl', [
        '-sS',
        ...extra,
        '-F',
        'name=Zoë',
        '-F',
        `a=@${fileA};type=text/plain;filename=naïve.txt`,
        '-F',
        `b=@${fileB}`,
        url,
      ]);
      const out: Buffer[] = [];
      curl.stdout.on('data', (c: Buffer) => out.push(c));
      const [code] = (await once(curl, 'close')) as [number];
      expect(code).toBe(0);
      const e = JSON.parse(Buffer.concat(out).toString('utf8')) as Echo;
      expect(e.fields).toEqual({ name: 'Zoë' });
      expect(e.files['a']![0]).toMatchObject({ filename: 'naïve.txt', type: 'text/plain', content: 'from curl' });
      expect(e.files['b']![0]).toMatchObject({ filename: path.basename(fileB), size: 2 * 1024 * 1024 });
    } finally {
      rmSync(fileA, { force: true });
      rmSync(fileB, { force: true });
    }
  });

  it.each([
    ['with Content-Length', false],
    ['chunked, split inside the boundary', true],
  ])('should read a form sent as raw bytes %s', async (_how, chunked) => {
    const { port } = await serve(uploads());
    const payload = form([
      { name: 'k', value: 'v' },
      { name: 'f', filename: 'f.txt', data: 'raw bytes', type: 'text/plain' },
    ]);
    const head =
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM_TYPE}\r\n` +
      (chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${payload.length}\r\n`) +
      'Connection: close\r\n\r\n';
    const client = await RawClient.connect(port);
    await client.send(head);
    if (chunked) {
      const cut = payload.indexOf(BOUNDARY, 10) + 5;
      for (const piece of [payload.subarray(0, cut), payload.subarray(cut)]) {
        await client.send(Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
      }
      await client.send('0\r\n\r\n');
    } else {
      await client.send(payload);
    }
    const [res] = await client.waitForResponses(1);
    client.destroy();
    expect(res!.status).toBe(200);
    const e = res!.json<Echo>();
    expect(e.fields).toEqual({ k: 'v' });
    expect(e.files['f']![0]).toMatchObject({ filename: 'f.txt', content: 'raw bytes' });
  });

  it('should leave no temp file, open fd or body listener when the client aborts mid-upload', async () => {
    const app = new App({ logger: false });
    const settled = deferred<{ listeners: number; socket: import('node:net').Socket }>();
    const firstBytes = deferred();
    app.use(async (ctx, next) => {
      try {
        await next();
      } finally {
        const req = ctx.req;
        settled.resolve({
          listeners: req.listenerCount('data') + req.listenerCount('end') + req.listenerCount('close'),
          socket: ctx.socket,
        });
      }
    });
    app.use((ctx, next) => {
      // Told once the upload's first file has started streaming to disk.
      ctx.req.once('data', () => firstBytes.resolve());
      return next();
    });
    app.use(body({ multipart: { dir: parent } }));
    app.use(() => 'never');
    const { port } = await serve(app);
    const before = openFds();
    const client = await RawClient.connect(port);
    await client.send(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM_TYPE}\r\nContent-Length: 10000000\r\n\r\n` +
        partHead({ name: 'f', filename: 'f.bin', data: '' }),
    );
    await client.send(Buffer.alloc(256 * 1024, 1));
    await firstBytes.promise;
    client.destroy();
    await client.closed;
    const { listeners, socket } = await settled.promise;
    if (!socket.closed) await once(socket, 'close');
    expect(readdirSync(parent)).toEqual([]);
    expect(listeners).toBe(0);
    expect(openFds()).toBe(before);
  });
});
