/**
 * The send timeout (`sendTimeout`, nginx's `send_timeout`): a client that stops reading what we
 * write cannot hold its connection — and every byte queued for it — forever. What counts is
 * progress, not the age of the response: a slow but steady reader is never cut.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { App, SERVER_DEFAULTS, type Context } from '../../src/index.js';
import { closeAll, deferred, serve } from '../helpers/server.js';

afterEach(closeAll);

/** Serves a fresh `size`-byte body and reports how its response ended: 'finish' or 'close' without it. */
function bigApp(sendTimeout: number, size = 16 * 1024 * 1024): { app: App; ended: Promise<string> } {
  const app = new App({ logger: false, sendTimeout });
  const ended = deferred<string>();
  app.use((ctx: Context) => {
    let finished = false;
    ctx.res.on('finish', () => (finished = true));
    ctx.res.on('close', () => ended.resolve(finished ? 'finish' : 'close'));
    ctx.body = Buffer.alloc(size, 0x61);
  });
  return { app, ended: ended.promise };
}

function client(port: number): Promise<net.Socket> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.on('error', () => {});
  });
}

describe('sendTimeout', () => {
  it('should default to 60 s', () => {
    expect(SERVER_DEFAULTS.sendTimeout).toBe(60_000);
  });

  it('should close the connection of a client that stopped reading, and let go of its response', async () => {
    const { app, ended } = bigApp(300);
    const { server, port } = await serve(app);
    const s = await client(port);
    s.pause();
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await ended).toBe('close');
    expect(server.connections).toBe(0);
    s.destroy();
  });

  it('should not cut a client that reads slowly but keeps reading, for longer than the timeout in all', async () => {
    // 32 MiB a few socket buffers at a time takes well over 600 ms; no pause between reads comes near it.
    const { app, ended } = bigApp(600, 32 * 1024 * 1024);
    const started = Date.now();
    const { port } = await serve(app);
    const s = await client(port);
    s.pause();
    let got = 0;
    s.on('data', (c: Buffer) => {
      got += c.length;
    });
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    // A little every 100 ms: far slower than the server could send, far more often than the timeout.
    const timer = setInterval(() => {
      s.resume();
      setImmediate(() => s.pause());
    }, 100);
    const how = await ended;
    clearInterval(timer);
    s.resume();
    expect(how).toBe('finish');
    // The premise: the download as a whole outlasted the timeout, so only progress kept it alive.
    expect(Date.now() - started).toBeGreaterThan(600);
    expect(got).toBeGreaterThan(0);
    s.destroy();
  });

  it('should close a client that pipelines requests and reads none of the answers', async () => {
    const app = new App({ logger: false, sendTimeout: 300 });
    app.use((ctx: Context) => {
      ctx.body = Buffer.alloc(256 * 1024, 0x62);
    });
    const { server, port } = await serve(app);
    const s = await client(port);
    s.pause();
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(64));
    // The server stops taking requests once its writes back up (see the pump), then times out.
    await new Promise<void>((resolve) => {
      const poll = (): void => {
        if (server.connections === 0) resolve();
        else setTimeout(poll, 20);
      };
      poll();
    });
    s.resume();
    await closed;
  });
});
