/**
 * Graceful shutdown and long-lived responses: a response still streaming when `server.close()`
 * begins is told (its `ctx.signal` aborts with code `ERR_SERVER_CLOSING`; `sse()` ends its stream
 * cleanly on it), the server emits `closing` first, and a plain request in flight is left alone to
 * finish. Every server here has `shutdownTimeout: 60_000`: a stream that is not told holds
 * `close()` past the test timeout, which is how such a regression fails — no timing assertions.
 */
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type Context } from '../../src/index.js';
import { sse } from '../../src/middleware/index.js';
import { RawClient, get } from '../helpers/raw-client.js';
import { closeAll, deferred, serve } from '../helpers/server.js';

afterEach(closeAll);

/** Resolves once `text` is among the bytes `c` received. */
function received(c: RawClient, text: string): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!c.raw.includes(text, 0, 'latin1')) return;
      c.socket.removeListener('data', check);
      resolve();
    };
    c.socket.on('data', check);
    check();
  });
}

/**
 * A response body that never ends on its own: `tick\n`, then nothing until the request's signal
 * aborts, when it ends (after calling `onAbort` with the reason).
 */
function endlessUntilAborted(ctx: Context, onAbort: (reason: unknown) => void): Readable {
  const body = new Readable({ read() {} });
  body.push('tick\n');
  ctx.signal.addEventListener(
    'abort',
    () => {
      onAbort(ctx.signal.reason);
      body.push(null);
    },
    { once: true },
  );
  return body;
}

describe('server.close() with long-lived responses', () => {
  it('should end an open SSE stream with a complete chunked response and run its onClose listeners', async () => {
    const app = new App({ logger: false, shutdownTimeout: 60_000 });
    let onCloseRuns = 0;
    app.get('/events', (ctx) => {
      const stream = sse(ctx, { heartbeat: 0 });
      stream.onClose(() => onCloseRuns++);
      stream.send({ data: 'first' });
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/events'));
    await received(c, 'data: first\n\n');
    await server.close();
    await c.closed;
    const { responses, rest, raw } = c.result();
    expect(responses).toHaveLength(1);
    expect(responses[0]!.status).toBe(200);
    expect(responses[0]!.chunked).toBe(true);
    expect(responses[0]!.text()).toBe('data: first\n\n');
    expect(raw.toString('latin1').endsWith('\r\n0\r\n\r\n')).toBe(true);
    expect(rest.length).toBe(0);
    expect(onCloseRuns).toBe(1);
  });

  it('should abort ctx.signal of a streaming response with code ERR_SERVER_CLOSING once close() begins', async () => {
    const app = new App({ logger: false, shutdownTimeout: 60_000 });
    const signal = deferred<AbortSignal>();
    const aborted = deferred<unknown>();
    app.get('/stream', (ctx) => {
      signal.resolve(ctx.signal);
      ctx.body = endlessUntilAborted(ctx, aborted.resolve);
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/stream'));
    await received(c, 'tick\n');
    expect((await signal.promise).aborted).toBe(false);
    const closed = server.close();
    expect(await aborted.promise).toMatchObject({ code: 'ERR_SERVER_CLOSING', status: 503 });
    await closed;
    await c.closed;
    const { responses, rest } = c.result();
    expect(responses.map((r) => r.text())).toEqual(['tick\n']);
    expect(rest.length).toBe(0);
  });

  it('should emit closing once, when close() is called, before streams are told and before close', async () => {
    const app = new App({ logger: false, shutdownTimeout: 60_000 });
    const events: string[] = [];
    app.get('/stream', (ctx) => {
      ctx.body = endlessUntilAborted(ctx, () => events.push('abort'));
    });
    const { server, port } = await serve(app);
    server.on('closing', () => events.push('closing'));
    server.on('close', () => events.push('close'));
    const c = await RawClient.connect(port);
    await c.send(get('/stream'));
    await received(c, 'tick\n');
    const first = server.close();
    expect(events).toEqual(['closing']);
    const again = server.close();
    await Promise.all([first, again]);
    await server.close();
    expect(events).toEqual(['closing', 'abort', 'close']);
  });

  it('should not abort plain requests in flight, and answer them with Connection: close', async () => {
    const app = new App({ logger: false, shutdownTimeout: 60_000 });
    const plainSignals = new Map<string, AbortSignal>();
    const bothStarted = deferred();
    const release = deferred();
    const streamAborted = deferred<unknown>();
    app.get('/stream', (ctx) => {
      ctx.body = endlessUntilAborted(ctx, streamAborted.resolve);
    });
    app.get('/plain/:n', async (ctx) => {
      plainSignals.set(ctx.path, ctx.signal);
      if (plainSignals.size === 2) bothStarted.resolve();
      await release.promise;
      ctx.body = `answered ${ctx.path}`;
    });
    const { server, port } = await serve(app);
    // One plain request on a connection of its own, one pipelined behind a stream: the stream's
    // abort shows that shutdown has reached the handlers of that connection.
    const alone = await RawClient.connect(port);
    await alone.send(get('/plain/1'));
    const behind = await RawClient.connect(port);
    await behind.send(get('/stream') + get('/plain/2'));
    await bothStarted.promise;
    await received(behind, 'tick\n');
    const closed = server.close();
    expect(await streamAborted.promise).toMatchObject({ code: 'ERR_SERVER_CLOSING' });
    const abortedOnceTold = [...plainSignals.values()].map((s) => s.aborted);
    // Released before asserting, so that a failure does not leave close() waiting on the handlers.
    release.resolve();
    expect(abortedOnceTold).toEqual([false, false]);
    await closed;
    await Promise.all([alone.closed, behind.closed]);
    expect([...plainSignals.values()].map((s) => s.aborted)).toEqual([false, false]);

    const [only] = alone.responses();
    expect(only!.status).toBe(200);
    expect(only!.text()).toBe('answered /plain/1');
    expect(only!.headers['connection']).toBe('close');

    const rs = behind.responses();
    expect(rs.map((r) => [r.status, r.text()])).toEqual([
      [200, 'tick\n'],
      [200, 'answered /plain/2'],
    ]);
    expect(rs[1]!.headers['connection']).toBe('close');
    expect(alone.result().rest.length + behind.result().rest.length).toBe(0);
  });
});
