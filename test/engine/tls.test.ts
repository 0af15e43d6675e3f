/**
 * HTTPS on `node:tls`: a self-signed key and certificate (test/helpers/tls-cert.ts, made with `openssl`),
 * served with `new App({ tls })` and with `app.listen({ tls })`, and requested with `node:https`
 * (fine in a test) and a raw TLS socket.
 */
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { parseResponses } from '../helpers/http-wire.js';
import { closeAll, serve } from '../helpers/server.js';
import { OPENSSL, testCertificate } from '../helpers/tls-cert.js';

afterEach(closeAll);

if (!OPENSSL) console.warn('tls.test.ts: skipped — the openssl binary is not available to generate a test certificate');

let key = '';
let cert = '';

beforeAll(() => {
  if (OPENSSL) ({ key, cert } = testCertificate());
});

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  socketPort: number;
}

function request(port: number, path: string, agent?: https.Agent): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path, ca: cert, servername: 'localhost', agent: agent ?? false },
      (res) => {
        let body = '';
        // Read now: a keep-alive agent takes the socket back before 'end'.
        const socketPort = res.socket.localPort ?? 0;
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body, socketPort }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function whoAmI(opts: ConstructorParameters<typeof App>[0] = {}): App {
  const app = new App({ logger: false, ...opts });
  app.use((ctx) => {
    ctx.body = { secure: ctx.secure, protocol: ctx.protocol, href: ctx.href, path: ctx.path };
  });
  return app;
}

describe.skipIf(!OPENSSL)('HTTPS', () => {
  it('should serve HTTPS with new App({ tls })', async () => {
    const { port, server } = await serve(whoAmI({ tls: { key, cert } }));
    expect(server.encrypted).toBe(true);
    const res = await request(port, '/x');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      secure: true,
      protocol: 'https',
      href: `https://127.0.0.1:${port}/x`,
      path: '/x',
    });
  });

  it('should serve HTTPS with app.listen({ port: 0, tls })', async () => {
    const { port, server } = await serve(whoAmI(), { tls: { key, cert } });
    expect(server.encrypted).toBe(true);
    const res = await request(port, '/y');
    expect(JSON.parse(res.body)).toMatchObject({ secure: true, protocol: 'https' });
  });

  it('should report http and not secure without TLS', async () => {
    const app = whoAmI();
    const { responses } = await app.inject({ url: '/' });
    expect(responses[0]!.json()).toMatchObject({ secure: false, protocol: 'http' });
  });

  it('should keep a TLS connection alive across requests', async () => {
    const { port } = await serve(whoAmI({ tls: { key, cert } }));
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const a = await request(port, '/1', agent);
      const b = await request(port, '/2', agent);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
      // One agent socket: the same local port served both requests.
      expect(b.socketPort).toBe(a.socketPort);
      expect(a.headers['keep-alive']).toMatch(/^timeout=\d+$/);
    } finally {
      agent.destroy();
    }
  });

  it('should answer pipelined requests over TLS in order, and refuse malformed ones', async () => {
    const { port } = await serve(whoAmI({ tls: { key, cert } }));
    const raw = await new Promise<Buffer>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, ca: cert, servername: 'localhost' }, () => {
        s.write(
          'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost x\r\n\r\n',
        );
      });
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      s.on('error', reject);
      s.on('close', () => resolve(Buffer.concat(chunks)));
    });
    const { responses, rest } = parseResponses(raw, [], true);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 400]);
    expect(
      responses.map((r) => (r.status === 200 ? r.json<{ path: string }>().path : r.headers['connection'])),
    ).toEqual(['/a', '/b', 'close']);
    expect(rest.length).toBe(0);
  });

  it('should close even after clients that left before their TLS handshake finished', async () => {
    const app = new App({ logger: false });
    app.use((ctx) => {
      ctx.body = 'hi';
    });
    const { server, port } = await serve(app, { tls: { key, cert } });
    // A TCP health check: connect, then leave without a handshake.
    const probe = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => probe.once('connect', () => r()));
    probe.destroy();
    const early = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
    early.on('error', () => {});
    early.once('secureConnect', () => early.destroy());
    await new Promise<void>((r) => early.once('close', () => r()));
    // A TLS server created half-open keeps such sockets for good: close() would never resolve.
    await server.close();
    expect(server.connections).toBe(0);
  });

  it('should close gracefully with a TLS connection open', async () => {
    const { port, server } = await serve(whoAmI({ tls: { key, cert } }));
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      await request(port, '/', agent);
      await server.close();
      expect(server.connections).toBe(0);
    } finally {
      agent.destroy();
    }
  });
});
