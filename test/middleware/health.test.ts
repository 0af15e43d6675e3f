/**
 * `health()`: liveness and readiness, and the stop sequence a load balancer needs — when the server
 * is told to stop (a shutdown signal, `server.shutdown()`), readiness answers 503 at once, requests
 * are still served for `readinessDelay` ms, and only then does the drain (`close()`) begin.
 *
 * The delay is observed on a faked `setTimeout` (only that: sockets, `setImmediate` and the
 * engine's sweep stay real), so the test advances it rather than waiting for it.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { App } from '../../src/index.js';
import { health } from '../../src/middleware/index.js';
import { RawClient, get, rawRequest } from '../helpers/raw-client.js';
import { closeAll, deferred, serve } from '../helpers/server.js';

afterEach(async () => {
  vi.useRealTimers();
  await closeAll();
});

function appWith(options: Parameters<typeof health>[0] = {}): { app: App; mw: ReturnType<typeof health> } {
  const app = new App({ logger: false });
  const mw = health(options);
  app.use(mw);
  app.use((ctx) => {
    ctx.body = { path: ctx.path };
  });
  return { app, mw };
}

async function status(app: App, method: string, url: string) {
  const { responses } = await app.inject({ method, url });
  return responses[0]!;
}

/** One request on a new connection (`Connection: close`): status and body. */
async function fetchRaw(port: number, path: string): Promise<{ status: number; body: string }> {
  const { responses } = await rawRequest(port, get(path, 'Connection: close\r\n'));
  return { status: responses[0]!.status, body: responses[0]!.text() };
}

describe('health()', () => {
  it('should answer GET /healthz and /readyz with 200, a JSON status and Cache-Control: no-store', async () => {
    const { app } = appWith();
    const live = await status(app, 'GET', '/healthz');
    expect(live.status).toBe(200);
    expect(live.json()).toEqual({ status: 'ok' });
    expect(live.headers['cache-control']).toBe('no-store');
    const ready = await status(app, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
    expect(ready.headers['cache-control']).toBe('no-store');
    expect((await status(app, 'HEAD', '/readyz')).status).toBe(200);
  });

  it('should pass other paths and other methods on to the rest of the stack', async () => {
    const { app } = appWith();
    expect((await status(app, 'GET', '/orders')).json()).toEqual({ path: '/orders' });
    expect((await status(app, 'POST', '/readyz')).json()).toEqual({ path: '/readyz' });
  });

  it('should serve at the configured paths', async () => {
    const { app } = appWith({ livenessPath: '/live', readinessPath: '/ready' });
    expect((await status(app, 'GET', '/live')).json()).toEqual({ status: 'ok' });
    expect((await status(app, 'GET', '/ready')).json()).toEqual({ status: 'ready' });
    expect((await status(app, 'GET', '/healthz')).json()).toEqual({ path: '/healthz' });
  });

  it('should answer readiness 503 when the ready check returns false or throws, liveness staying 200', async () => {
    let state: 'up' | 'down' | 'broken' = 'down';
    const { app } = appWith({
      ready: async () => {
        if (state === 'broken') throw new Error('database unreachable');
        return state === 'up';
      },
    });
    const down = await status(app, 'GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.json()).toEqual({ status: 'not ready' });
    state = 'broken';
    expect((await status(app, 'GET', '/readyz')).status).toBe(503);
    expect((await status(app, 'GET', '/healthz')).status).toBe(200);
    state = 'up';
    expect((await status(app, 'GET', '/readyz')).status).toBe(200);
  });

  it('should answer readiness 503 once stopping, while liveness and the app still answer 200', async () => {
    const { app, mw } = appWith({ readinessDelay: 0 });
    expect(mw.stopping).toBe(false);
    await mw.beforeDrain();
    expect(mw.stopping).toBe(true);
    const ready = await status(app, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json()).toEqual({ status: 'stopping' });
    expect((await status(app, 'GET', '/healthz')).status).toBe(200);
    expect((await status(app, 'GET', '/orders')).status).toBe(200);
  });
});

describe('server.shutdown() with health()', () => {
  it('should answer readiness 503 and keep serving until readinessDelay has passed, and only then drain', async () => {
    const { app } = appWith({ readinessDelay: 5000 });
    const { server, port } = await serve(app);
    const events: string[] = [];
    server.on('stopping', () => events.push('stopping'));
    const closing = deferred();
    server.on('closing', () => {
      events.push('closing');
      closing.resolve();
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const stopped = server.shutdown();
    expect(events).toEqual(['stopping']);

    expect(await fetchRaw(port, '/readyz')).toEqual({ status: 503, body: '{"status":"stopping"}' });
    expect(await fetchRaw(port, '/orders')).toEqual({ status: 200, body: '{"path":"/orders"}' });
    await vi.advanceTimersByTimeAsync(4999);
    expect(events).toEqual(['stopping']);
    expect(server.listening).toBe(true);
    expect((await fetchRaw(port, '/healthz')).status).toBe(200);

    await vi.advanceTimersByTimeAsync(1);
    await closing.promise;
    await stopped;
    expect(events).toEqual(['stopping', 'closing']);
    expect(server.listening).toBe(false);
  });

  it('should answer a request in flight when the drain begins, with Connection: close', async () => {
    const release = deferred();
    const started = deferred();
    const app = new App({ logger: false });
    app.use(health({ readinessDelay: 0 }));
    app.use(async (ctx) => {
      started.resolve();
      await release.promise;
      ctx.body = 'done';
    });
    const { server, port } = await serve(app);
    const c = await RawClient.connect(port);
    await c.send(get('/work'));
    await started.promise;
    const closing = deferred();
    server.once('closing', () => closing.resolve());
    const stopped = server.shutdown();
    await closing.promise;
    release.resolve();
    const [res] = await c.waitForResponses(1);
    expect(res!.status).toBe(200);
    expect(res!.text()).toBe('done');
    expect(res!.headers['connection']).toBe('close');
    await stopped;
  });

  it('should start the same sequence on a shutdown signal with signals: true', async () => {
    // The server's own signal listener is called: no signal is raised in the test runner.
    const { app, mw } = appWith({ readinessDelay: 0 });
    const others = process.listeners('SIGTERM');
    const { server } = await serve(app, { signals: true });
    const onSignal = process.listeners('SIGTERM').find((l) => !others.includes(l))!;
    const events: string[] = [];
    server.on('stopping', () => events.push(`stopping ready=${!mw.stopping}`));
    const closed = new Promise<void>((resolve) => server.once('close', resolve));
    server.on('closing', () => events.push(`closing ready=${!mw.stopping}`));
    onSignal('SIGTERM');
    await closed;
    expect(events).toEqual(['stopping ready=true', 'closing ready=false']);
  });

  it('should turn readiness to 503 when health() was added after the first route', async () => {
    const app = new App({ logger: false });
    app.get('/orders', () => 'orders');
    const mw = health({ readinessDelay: 0 });
    app.use(mw);
    const { server } = await serve(app);
    await server.shutdown();
    expect(mw.stopping).toBe(true);
  });

  it('should be idempotent, and the same as close() once close() began', async () => {
    const { app } = appWith({ readinessDelay: 0 });
    const { server } = await serve(app);
    const first = server.shutdown();
    expect(server.shutdown()).toBe(first);
    await first;
    const { server: other } = await serve(appWith().app);
    const closing = other.close();
    expect(other.shutdown()).toBe(closing);
    await closing;
  });
});
