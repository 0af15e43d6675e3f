/**
 * `Upgrade` and `CONNECT` over raw sockets: with an `upgrade` listener the socket and the bytes
 * after the head are handed over (after earlier pipelined responses); without one the request is
 * refused with 426 (Upgrade) or 501 (CONNECT) as problem+json, and the connection closes.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { App, type IncomingMessageShim } from '../../src/index.js';
import { RawClient, get, rawRequest } from '../helpers/raw-client.js';
import { closeAll, serve } from '../helpers/server.js';

afterEach(closeAll);

const UPGRADE = 'GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n';
const SWITCH = 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n';

/** An app whose upgrade listener speaks a line echo protocol: every byte comes back. */
function echoUpgradeApp(seen: { url?: string; upgrade?: string; head?: string; method?: string }): App {
  const app = new App({ logger: false });
  app.use((ctx) => {
    ctx.body = `plain ${ctx.path}`;
  });
  app.on('upgrade', (req: IncomingMessageShim, socket: Socket, head: Buffer) => {
    seen.url = req.url;
    seen.method = req.method;
    seen.upgrade = req.headers['upgrade'] as string;
    seen.head = head.toString('latin1');
    socket.write(SWITCH);
    if (head.length > 0) socket.write(head);
    socket.on('data', (d) => socket.write(d));
    socket.on('end', () => socket.end());
  });
  return app;
}

describe("app.on('upgrade')", () => {
  it('should hand the socket and the bytes after the head to the upgrade listener', async () => {
    const seen: { url?: string; upgrade?: string; head?: string } = {};
    const { port } = await serve(echoUpgradeApp(seen));
    const c = await RawClient.connect(port);
    await c.send(`${UPGRADE}early-bytes|`);
    const expected = `${SWITCH}early-bytes|`;
    await c.waitForBytes(expected.length);
    expect(c.raw.toString('latin1')).toBe(expected);
    expect(seen).toEqual({ url: '/chat', method: 'GET', upgrade: 'echo', head: 'early-bytes|' });
    // The socket now speaks the new protocol: the listener echoes, the HTTP engine stays out of it.
    await c.send('GET / HTTP/1.1\r\n\r\n');
    await c.waitForBytes(expected.length + 18);
    expect(c.raw.toString('latin1').slice(expected.length)).toBe('GET / HTTP/1.1\r\n\r\n');
    c.end();
    await c.closed;
  });

  it('should answer pipelined requests before the upgrade, then hand the socket over', async () => {
    const seen = {};
    const { port } = await serve(echoUpgradeApp(seen));
    const c = await RawClient.connect(port);
    await c.send(get('/first') + UPGRADE + 'after');
    const [first] = await c.waitForResponses(1);
    expect(first!.text()).toBe('plain /first');
    const rest = SWITCH + 'after';
    await c.waitForBytes(first!.head.length + 4 + first!.body.length + rest.length);
    expect(c.raw.toString('latin1').endsWith(rest)).toBe(true);
    c.destroy();
  });

  it('should hand a CONNECT request to the upgrade listener', async () => {
    const seen: { url?: string; method?: string; head?: string } = {};
    const { port } = await serve(echoUpgradeApp(seen));
    const c = await RawClient.connect(port);
    await c.send('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\ntunnel');
    await c.waitForBytes(SWITCH.length + 6);
    expect(seen.method).toBe('CONNECT');
    expect(seen.url).toBe('example.com:443');
    expect(seen.head).toBe('tunnel');
    c.destroy();
  });

  it('should answer 426 problem+json to an Upgrade request when nobody listens, then close', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = 'x';
    });
    const { port } = await serve(app);
    const r = await rawRequest(port, UPGRADE + 'ignored');
    expect(r.responses.map((x) => x.status)).toEqual([426]);
    expect(r.responses[0]!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.responses[0]!.headers['connection']).toBe('close');
    expect(r.responses[0]!.json()['code']).toBe('ERR_UPGRADE_REQUIRED');
    expect(r.closed).toBe(true);
    expect(r.rest.length).toBe(0);
  });

  it('should answer 501 problem+json to CONNECT when nobody listens, then close', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = 'x';
    });
    const { port } = await serve(app);
    const r = await rawRequest(
      port,
      get('/before') + 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    );
    expect(r.responses.map((x) => x.status)).toEqual([200, 501]);
    expect(r.responses[1]!.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.responses[1]!.headers['connection']).toBe('close');
    expect(r.responses[1]!.json()['code']).toMatch(/^ERR_/);
    expect(r.closed).toBe(true);
  });
});
