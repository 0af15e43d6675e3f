/**
 * sse(): the event-stream format, the response it sets up, Last-Event-ID, heartbeats and their
 * timer, and a clean close — by the handler or by a client that leaves. Framing is checked over
 * `app.inject` (the handler closes the stream); timing and disconnects over real sockets, waiting
 * on data and close events.
 */
import net from 'node:net';
import { createGunzip } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/index.js';
import { compress, formatEvent, sse, type SseStream } from '../../src/middleware/index.js';
import { closeAll, deferred, serve } from '../helpers/server.js';
import { connect } from '../helpers/socket.js';
import { serverErrors } from '../helpers/client-errors.js';

afterEach(() => closeAll());
afterEach(() => {
  vi.restoreAllMocks();
});

/** Resolves with everything received once `text` has appeared on `s`. */
function waitFor(s: net.Socket, text: string): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const on = (c: Buffer): void => {
      got += c.toString('latin1');
      if (got.includes(text)) {
        s.removeListener('data', on);
        resolve(got);
      }
    };
    s.on('data', on);
  });
}

describe('formatEvent()', () => {
  it('should write id, event and data fields and end with a blank line', () => {
    expect(formatEvent({ id: 7, event: 'tick', data: 'hello' })).toBe('id: 7\nevent: tick\ndata: hello\n\n');
  });

  it('should split multi-line data into one data: line each (LF, CRLF and CR)', () => {
    expect(formatEvent({ data: 'a\nb\r\nc\rd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it('should JSON-encode data that is not a string', () => {
    expect(formatEvent({ data: { n: 1, s: 'x' } })).toBe('data: {"n":1,"s":"x"}\n\n');
    expect(formatEvent({ data: [1, 2] })).toBe('data: [1,2]\n\n');
  });

  it('should keep an empty string as one empty data line', () => {
    expect(formatEvent({ data: '' })).toBe('data: \n\n');
  });

  it('should write retry first', () => {
    expect(formatEvent({ retry: 3000, data: 'x' })).toBe('retry: 3000\ndata: x\n\n');
  });

  it('should refuse fields that would break the framing', () => {
    expect(() => formatEvent({ id: 'a\nb' })).toThrow(TypeError);
    expect(() => formatEvent({ id: 'a\0b' })).toThrow(TypeError);
    expect(() => formatEvent({ event: 'x\ry' })).toThrow(TypeError);
    expect(() => formatEvent({ retry: -1 })).toThrow(TypeError);
    expect(() => formatEvent({ retry: 1.5 })).toThrow(TypeError);
  });
});

describe('sse() response', () => {
  it('should answer 200 text/event-stream, no-cache, chunked, with the events in order', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      const stream = sse(ctx, { heartbeat: 0 });
      stream.send({ event: 'greet', data: 'hi' });
      stream.send({ id: '2', data: { n: 2 } });
      stream.comment('just a comment');
      stream.close();
    });
    const res = (await app.inject({ url: '/events' })).responses[0]!;
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.text()).toBe('event: greet\ndata: hi\n\nid: 2\ndata: {"n":2}\n\n: just a comment\n\n');
  });

  it('should send the retry option first', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      const stream = sse(ctx, { heartbeat: 0, retry: 2500 });
      stream.close();
    });
    expect((await app.inject({ url: '/' })).responses[0]!.text()).toBe('retry: 2500\n\n');
  });

  it('should expose Last-Event-ID to the handler, or an empty string', async () => {
    const app = new App({ logger: false });
    const seen: string[] = [];
    app.use((ctx) => {
      const stream = sse(ctx, { heartbeat: 0 });
      seen.push(stream.lastEventId);
      stream.close();
    });
    await app.inject({ url: '/', headers: { 'last-event-id': '42' } });
    await app.inject({ url: '/' });
    expect(seen).toEqual(['42', '']);
  });

  it('should make send() a no-op returning false after close(), and run onClose once', async () => {
    const app = new App({ logger: false });
    let stream: SseStream | null = null;
    let closes = 0;
    app.use((ctx) => {
      stream = sse(ctx, { heartbeat: 0 });
      stream.onClose(() => closes++);
      stream.send({ data: 'before' });
      stream.close();
      stream.close();
    });
    const res = (await app.inject({ url: '/' })).responses[0]!;
    const s = stream as unknown as SseStream;
    expect(s.closed).toBe(true);
    expect(s.send({ data: 'after' })).toBe(false);
    expect(closes).toBe(1);
    expect(res.text()).toBe('data: before\n\n');
  });

  it('should close the stream when another body replaces it', async () => {
    const app = new App({ logger: false });
    let stream: SseStream | null = null;
    app.use((ctx) => {
      stream = sse(ctx, { heartbeat: 0 });
      ctx.body = 'changed my mind';
    });
    const res = (await app.inject({ url: '/' })).responses[0]!;
    expect(res.text()).toBe('changed my mind');
    expect((stream as unknown as SseStream).closed).toBe(true);
  });
});

describe('sse() heartbeat', () => {
  it('should send heartbeat comments on the interval', async () => {
    const app = new App({ logger: false });
    let stream: SseStream | null = null;
    app.use((ctx) => {
      stream = sse(ctx, { heartbeat: 10 });
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const got = await waitFor(s, ': heartbeat\n\n');
    expect(got).toContain('text/event-stream');
    (stream as unknown as SseStream).close();
    await waitFor(s, '0\r\n\r\n');
    s.destroy();
  });

  it('should clear the heartbeat timer when the stream closes', async () => {
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    const app = new App({ logger: false });
    app.use((ctx) => {
      const stream = sse(ctx, { heartbeat: 60_000 });
      stream.close();
    });
    await app.inject({ url: '/' });
    const timer = setSpy.mock.results.at(-1)?.value as NodeJS.Timeout;
    expect(timer).toBeDefined();
    expect(clearSpy).toHaveBeenCalledWith(timer);
  });

  it('should not start a timer with heartbeat: 0', async () => {
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    const app = new App({ logger: false });
    app.use((ctx) => {
      sse(ctx, { heartbeat: 0 }).close();
    });
    await app.inject({ url: '/' });
    expect(setSpy).not.toHaveBeenCalled();
  });
});

describe('sse() and a client that leaves', () => {
  it('should close on a reset connection: onClose runs, ctx.signal fires, sends return false', async () => {
    const app = new App({ logger: false });
    const errors: unknown[] = [];
    app.on('error', (e) => errors.push(e));
    const closed = deferred();
    let stream: SseStream | null = null;
    let signal: AbortSignal | null = null;
    app.use((ctx) => {
      signal = ctx.signal;
      stream = sse(ctx, { heartbeat: 0 });
      stream.send({ data: 'first' });
      stream.onClose(() => closed.resolve());
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    await waitFor(s, 'data: first');
    s.resetAndDestroy();
    await closed.promise;
    expect((signal as unknown as AbortSignal).aborted).toBe(true);
    expect((stream as unknown as SseStream).send({ data: 'late' })).toBe(false);
    expect(serverErrors(errors)).toEqual([]);
  });

  for (const compressed of [false, true]) {
    it(`should close, and report no error, when the client closes quietly (FIN)${compressed ? ' through compress()' : ''}`, async () => {
      const app = new App({ logger: false });
      const errors: unknown[] = [];
      app.on('error', (e) => errors.push(e));
      if (compressed) app.use(compress({ threshold: 0 }));
      const closed = deferred();
      app.use((ctx) => {
        const stream = sse(ctx, { heartbeat: 5 });
        stream.onClose(() => closed.resolve());
      });
      const { port } = await serve(app);
      const s = await connect(port);
      s.on('error', () => {});
      s.write('GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n');
      await waitFor(s, '\r\n\r\n');
      s.destroy();
      await closed.promise;
      // The engine's read loop ends a few ticks after the close: let it, then look for reports.
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      expect(serverErrors(errors)).toEqual([]);
    });
  }
});

describe('sse() through compress()', () => {
  it('should deliver each event compressed and decodable before the stream ends', async () => {
    const app = new App({ logger: false });
    app.use(compress({ threshold: 0 }));
    let stream: SseStream | null = null;
    const ready = deferred();
    app.use((ctx) => {
      stream = sse(ctx, { heartbeat: 0 });
      ready.resolve();
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: gzip\r\n\r\n');
    await ready.promise;
    // De-chunk as bytes arrive and feed a streaming gunzip: text shows up only if the server
    // flushed the encoder after the event.
    const gunzip = createGunzip();
    let text = '';
    gunzip.on('data', (c: Buffer) => (text += c.toString()));
    let buf = Buffer.alloc(0);
    let head: string | null = null;
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (head === null) {
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        head = buf.toString('latin1', 0, end);
        buf = buf.subarray(end + 4);
      }
      for (;;) {
        const nl = buf.indexOf('\r\n');
        if (nl === -1) return;
        const size = parseInt(buf.toString('latin1', 0, nl), 16);
        if (buf.length < nl + 2 + size + 2) return;
        if (size > 0) gunzip.write(buf.subarray(nl + 2, nl + 2 + size));
        buf = buf.subarray(nl + 2 + size + 2);
      }
    });
    const until = (want: string): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (text.includes(want)) {
            gunzip.removeListener('data', check);
            resolve();
          }
        };
        gunzip.on('data', check);
        check();
      });
    const sst = stream as unknown as SseStream;
    sst.send({ event: 'one', data: 'first event' });
    await until('data: first event\n\n');
    sst.send({ event: 'two', data: 'second event' });
    await until('data: second event\n\n');
    expect(head).toMatch(/content-encoding: gzip/i);
    expect(head).toMatch(/content-type: text\/event-stream/i);
    sst.close();
    s.destroy();
  });

  it('should close the stream when the client leaves a compressed event stream', async () => {
    const app = new App({ logger: false });
    app.use(compress({ threshold: 0 }));
    const closed = deferred();
    app.use((ctx) => {
      const stream = sse(ctx, { heartbeat: 0 });
      stream.send({ data: 'x' });
      stream.onClose(() => closed.resolve());
    });
    const { port } = await serve(app);
    const s = await connect(port);
    s.write('GET / HTTP/1.1\r\nHost: a\r\nAccept-Encoding: br\r\n\r\n');
    await waitFor(s, 'content-encoding: br');
    s.resetAndDestroy();
    await closed.promise;
  });
});
