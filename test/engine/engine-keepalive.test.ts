/**
 * Connection persistence over raw sockets (RFC 9112 §9.3): HTTP/1.1 stays open by default,
 * HTTP/1.0 closes unless it asks for keep-alive, `Connection: close` is honoured in both
 * directions, and `maxRequestsPerSocket` closes after the last allowed response.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { RawClient, get, rawRequest } from '../helpers/raw-client.js';
import { closeAll, readBody, serve } from '../helpers/server.js';

afterEach(closeAll);

function hello(opts: ConstructorParameters<typeof App>[0] = {}): App {
  const app = new App({ logger: false, ...opts });
  app.use((ctx) => {
    ctx.body = `hello ${ctx.path}`;
  });
  return app;
}

describe('Connection (keep-alive)', () => {
  it('should keep an HTTP/1.1 connection open after a response by default', async () => {
    const { port } = await serve(hello());
    const c = await RawClient.connect(port);
    await c.send(get('/a'));
    const [first] = await c.waitForResponses(1);
    expect(first!.status).toBe(200);
    expect(first!.headers['connection']).toBeUndefined();
    // The same socket serves a second request: proof that the server did not close it.
    await c.send(get('/b'));
    const both = await c.waitForResponses(2);
    expect(both[1]!.text()).toBe('hello /b');
    expect(c.serverClosed).toBe(false);
    c.destroy();
  });

  it('should advertise the keep-alive idle timeout in a Keep-Alive header', async () => {
    const { port } = await serve(hello({ keepAliveTimeout: 7000 }));
    const { responses } = await rawRequest(port, get('/'), { responses: 1 });
    expect(responses[0]!.headers['keep-alive']).toBe('timeout=7');
  });

  it('should close an HTTP/1.0 connection after the response when keep-alive is not asked for', async () => {
    const { port } = await serve(hello());
    const r = await rawRequest(port, 'GET /old HTTP/1.0\r\n\r\n');
    expect(r.closed).toBe(true);
    expect(r.responses).toHaveLength(1);
    expect(r.responses[0]!.text()).toBe('hello /old');
    expect(r.responses[0]!.headers['connection']).toBe('close');
    expect(r.rest.length).toBe(0);
  });

  it('should keep an HTTP/1.0 connection open with Connection: keep-alive and say so', async () => {
    const { port } = await serve(hello());
    const c = await RawClient.connect(port);
    await c.send('GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const [first] = await c.waitForResponses(1);
    expect(first!.headers['connection']).toBe('keep-alive');
    expect(first!.head.startsWith('HTTP/1.1 200 OK')).toBe(true);
    await c.send('GET /two HTTP/1.0\r\nConnection: keep-alive\r\n\r\n');
    const both = await c.waitForResponses(2);
    expect(both[1]!.text()).toBe('hello /two');
    c.destroy();
  });

  it('should answer Connection: close from the client with Connection: close and then close', async () => {
    const { port } = await serve(hello());
    const r = await rawRequest(port, get('/bye', 'Connection: close\r\n'));
    expect(r.closed).toBe(true);
    expect(r.responses).toHaveLength(1);
    expect(r.responses[0]!.headers['connection']).toBe('close');
    expect(r.responses[0]!.text()).toBe('hello /bye');
  });

  it('should let a handler read the whole body of a request that says Connection: close', async () => {
    const app = new App({ logger: false });
    app.use(async (ctx) => {
      ctx.body = `got ${(await readBody(ctx.req)).toString()}`;
    });
    const { port } = await serve(app);
    const r = await rawRequest(
      port,
      'POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(r.responses.map((x) => x.text())).toEqual(['got hello']);
    const old = await rawRequest(port, 'POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc');
    expect(old.responses.map((x) => x.text())).toEqual(['got abc']);
    expect(old.closed).toBe(true);
  });

  it('should ignore requests pipelined after one that said Connection: close', async () => {
    const { port } = await serve(hello());
    const r = await rawRequest(port, get('/1', 'Connection: close\r\n') + get('/2'));
    expect(r.responses.map((x) => x.text())).toEqual(['hello /1']);
    expect(r.rest.length).toBe(0);
    expect(r.closed).toBe(true);
  });

  it('should close after the response when a handler sets Connection: close', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.set('connection', 'close');
      ctx.body = 'done';
    });
    const { port } = await serve(app);
    const r = await rawRequest(port, get('/') + get('/again'));
    expect(r.closed).toBe(true);
    expect(r.responses).toHaveLength(1);
    expect(r.responses[0]!.headers['connection']).toBe('close');
  });

  it('should close after the second response with Connection: close when maxRequestsPerSocket is 2', async () => {
    const { port } = await serve(hello({ maxRequestsPerSocket: 2 }));
    const c = await RawClient.connect(port);
    await c.send(get('/1'));
    const [first] = await c.waitForResponses(1);
    expect(first!.headers['connection']).toBeUndefined();
    await c.send(get('/2'));
    await c.waitForServerClose();
    const all = c.responses();
    expect(all).toHaveLength(2);
    expect(all[1]!.text()).toBe('hello /2');
    expect(all[1]!.headers['connection']).toBe('close');
  });

  it("should be the only 'end' listener of a socket it accepts (Node's own does nothing on a half-open socket)", async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = `end listeners: ${ctx.socket.listenerCount('end')}`;
    });
    const { port } = await serve(app);
    const { responses } = await rawRequest(port, get('/'), { responses: 1 });
    expect(responses[0]!.text()).toBe('end listeners: 1');
  });

  it('should answer a client that half-closes after its request, then close', async () => {
    const { port } = await serve(hello());
    const r = await rawRequest(port, get('/half'), { end: true });
    expect(r.closed).toBe(true);
    expect(r.responses.map((x) => x.text())).toEqual(['hello /half']);
  });
});
