/**
 * `ctx.request.parts()`: parts in order, unread files drained, early exits cleaned up,
 * backpressure to the socket, and a 1 GiB upload streamed through in bounded memory.
 */
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Context } from '../../src/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { closeAll, deferred, serve } from '../helpers/server.js';
import { until } from '../helpers/socket.js';
import { BOUNDARY, FORM_TYPE, form, partHead } from './multipart-fixture.js';

afterEach(closeAll);

async function post(app: App, payload: Buffer, type = FORM_TYPE) {
  const { responses } = await app.inject({
    method: 'POST',
    url: '/',
    headers: { 'content-type': type },
    body: payload,
  });
  return responses[0]!;
}

async function count(stream: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const c of stream) n += c.length;
  return n;
}

describe('ctx.request.parts()', () => {
  it('should yield fields and files in order, each file a stream of its bytes', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx) => {
      const seen: unknown[] = [];
      for await (const part of ctx.request.parts()) {
        if (part.kind === 'field') seen.push({ field: part.name, value: part.value });
        else {
          const chunks: Buffer[] = [];
          for await (const c of part.stream) chunks.push(c as Buffer);
          seen.push({
            file: part.name,
            filename: part.filename,
            type: part.type,
            text: Buffer.concat(chunks).toString(),
          });
        }
      }
      ctx.body = seen;
    });
    const res = await post(
      app,
      form([
        { name: 'a', value: '1' },
        { name: 'doc', filename: 'd.txt', data: 'document', type: 'text/plain' },
        { name: 'b', value: '2' },
      ]),
    );
    expect(res.json()).toEqual([
      { field: 'a', value: '1' },
      { file: 'doc', filename: 'd.txt', type: 'text/plain', text: 'document' },
      { field: 'b', value: '2' },
    ]);
  });

  it('should drain a file the consumer did not read when it asks for the next part', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx) => {
      const names: string[] = [];
      for await (const part of ctx.request.parts()) names.push(`${part.kind}:${part.name}`);
      ctx.body = names;
    });
    const res = await post(
      app,
      form([
        { name: 'skipped', filename: 's.bin', data: Buffer.alloc(1024 * 1024, 1) },
        { name: 'after', value: 'x' },
        { name: 'also', filename: 'a.bin', data: Buffer.alloc(200_000, 2) },
      ]),
    );
    expect(res.json()).toEqual(['file:skipped', 'field:after', 'file:also']);
  });

  it('should detach from the body and close the connection after the answer when the loop is left early', async () => {
    const app = new App({ logger: false });
    const left = deferred<number>();
    app.use(async (ctx) => {
      for await (const part of ctx.request.parts()) {
        ctx.body = { first: part.name };
        break;
      }
      const req = ctx.req;
      left.resolve(req.listenerCount('data') + req.listenerCount('end') + req.listenerCount('close'));
    });
    const { port } = await serve(app);
    const client = await RawClient.connect(port);
    const payload = form([
      { name: 'first', filename: 'f.bin', data: Buffer.alloc(64 * 1024, 1) },
      { name: 'second', value: 'never read' },
    ]);
    // The body is declared longer than what is sent: only leaving the loop can answer it.
    await client.send(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM_TYPE}\r\nContent-Length: ${payload.length + 1_000_000}\r\n\r\n`,
    );
    await client.send(payload.subarray(0, 1000));
    const [res] = await client.waitForResponses(1);
    expect(res!.json()).toEqual({ first: 'first' });
    expect(res!.headers['connection']).toBe('close');
    expect(await left.promise).toBe(0);
    await client.waitForServerClose();
  });

  it('should answer a limit crossed in a file the handler pipes with 413, through that pipeline', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx) => {
      for await (const part of ctx.request.parts({ limits: { fileSize: 1000 } })) {
        if (part.kind === 'file') await pipeline(part.stream, new PassThrough().resume());
      }
      ctx.body = 'stored';
    });
    const res = await post(app, form([{ name: 'avatar', filename: 'a.png', data: Buffer.alloc(5000) }]));
    expect(res.status).toBe(413);
    expect(res.json()).toMatchObject({ detail: 'File "avatar" exceeds the fileSize limit of 1000 bytes' });
  });

  it('should answer 415 when the Content-Type is not multipart/form-data', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx) => {
      for await (const part of ctx.request.parts()) ctx.body = part.name;
    });
    const res = await post(app, Buffer.from('{}'), 'application/json');
    expect(res.json()).toMatchObject({ status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' });
  });

  it('should stop reading the socket while a file is not read, and read on when it is', async () => {
    const total = 64 * 1024 * 1024;
    const app = new App({ logger: false });
    const paused = deferred<{ paused: boolean; read: number }>();
    app.use(async (ctx) => {
      for await (const part of ctx.request.parts({ limits: { fileSize: total } })) {
        if (part.kind !== 'file') continue;
        const isPaused = await until(() => ctx.socket.isPaused());
        paused.resolve({ paused: isPaused, read: ctx.socket.bytesRead });
        ctx.body = { size: await count(part.stream as AsyncIterable<Buffer>) };
      }
    });
    const { port } = await serve(app);
    const payload = form([{ name: 'big', filename: 'big.bin', data: Buffer.alloc(total, 3) }]);
    const client = await RawClient.connect(port);
    const sent = client.send(
      Buffer.concat([
        Buffer.from(
          `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM_TYPE}\r\nContent-Length: ${payload.length}\r\n\r\n`,
        ),
        payload,
      ]),
    );
    const { paused: wasPaused, read } = await paused.promise;
    expect(wasPaused).toBe(true);
    expect(read).toBeLessThan(total / 4);
    await sent;
    const [res] = await client.waitForResponses(1);
    client.destroy();
    expect(res!.json()).toEqual({ size: total });
  });
});

describe('ctx.request.parts() — 1 GiB', () => {
  it('should stream a 1 GiB file into a sink with RSS growing by less than 64 MiB', { timeout: 60_000 }, async () => {
    const GiB = 1024 * 1024 * 1024;
    const app = new App({ logger: false });
    let peak = 0;
    app.use(async (ctx: Context) => {
      let size = 0;
      let n = 0;
      for await (const part of ctx.request.parts({ limits: { fileSize: 2 * GiB } })) {
        if (part.kind !== 'file') continue;
        for await (const c of part.stream as AsyncIterable<Buffer>) {
          size += c.length;
          if ((++n & 63) === 0) peak = Math.max(peak, process.memoryUsage.rss());
        }
      }
      ctx.body = { size };
    });
    const { port } = await serve(app);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const head = Buffer.from(partHead({ name: 'big', filename: 'big.bin', data: '' }));
    const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
    const length = head.length + GiB + tail.length;
    let left = GiB / chunk.length;
    const body = new Readable({
      read() {
        if (left-- > 0) this.push(chunk);
        else {
          this.push(tail);
          this.push(null);
        }
      },
    });
    const before = process.memoryUsage.rss();
    const socket = net.connect(port, '127.0.0.1');
    const response: Buffer[] = [];
    socket.on('data', (c: Buffer) => response.push(c));
    const ended = new Promise<void>((resolve) => socket.once('end', () => resolve()));
    socket.write(
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: ${FORM_TYPE}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(head);
    await pipeline(body, socket, { end: false });
    await ended;
    socket.destroy();
    const text = Buffer.concat(response).toString();
    expect(text.startsWith('HTTP/1.1 200')).toBe(true);
    expect(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))).toEqual({ size: GiB });
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });
});
