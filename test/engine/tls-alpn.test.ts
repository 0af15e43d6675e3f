/**
 * ALPN (RFC 7301) on the HTTPS server: it offers `http/1.1` only. A client that speaks only h2 is
 * refused in the handshake (alert no_application_protocol) instead of sending HTTP/2 frames to an
 * HTTP/1.1 parser; a client offering both gets `http/1.1`; a client without ALPN is served as before.
 * The certificate comes from test/helpers/tls-cert.ts.
 */
import tls from 'node:tls';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { parseResponses, type WireResponse } from '../helpers/http-wire.js';
import { closeAll, serve } from '../helpers/server.js';
import { OPENSSL, testCertificate } from '../helpers/tls-cert.js';

afterEach(closeAll);

if (!OPENSSL)
  console.warn('tls-alpn.test.ts: skipped — the openssl binary is not available to generate a test certificate');

let key = '';
let cert = '';

beforeAll(() => {
  if (OPENSSL) ({ key, cert } = testCertificate());
});

function helloApp(): App {
  const app = new App({ logger: false });
  app.get('/', () => 'hello');
  return app;
}

/** What a TLS client saw: the negotiated protocol and the one response to `GET /`. */
interface Exchanged {
  alpnProtocol: string | false | null;
  response: WireResponse;
}

function connect(port: number, ALPNProtocols?: string[]): tls.TLSSocket {
  return tls.connect({
    host: '127.0.0.1',
    port,
    ca: cert,
    servername: 'localhost',
    ...(ALPNProtocols === undefined ? {} : { ALPNProtocols }),
  });
}

/** Handshakes (offering `ALPNProtocols`, or no ALPN), sends `GET /` and reads the response to the close. */
function getOverTls(port: number, ALPNProtocols?: string[]): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    const s = connect(port, ALPNProtocols);
    const chunks: Buffer[] = [];
    let alpnProtocol: string | false | null = null;
    s.once('secureConnect', () => {
      alpnProtocol = s.alpnProtocol;
      s.write('GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', reject);
    s.on('close', () => {
      const { responses, rest } = parseResponses(Buffer.concat(chunks), [], true);
      if (responses.length !== 1 || rest.length !== 0)
        reject(new Error(`expected one response, got ${responses.length} and ${rest.length} bytes more`));
      else resolve({ alpnProtocol, response: responses[0]! });
    });
  });
}

/** Resolves with the error the handshake failed with; rejects if it succeeds. */
function handshakeError(port: number, ALPNProtocols: string[]): Promise<NodeJS.ErrnoException> {
  return new Promise((resolve, reject) => {
    const s = connect(port, ALPNProtocols);
    s.once('secureConnect', () => {
      reject(new Error(`the handshake succeeded (alpnProtocol ${String(s.alpnProtocol)})`));
      s.destroy();
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err));
  });
}

describe.skipIf(!OPENSSL)('HTTPS ALPN', () => {
  it('should fail the handshake of a client that offers only h2, with no_application_protocol', async () => {
    const { port } = await serve(helloApp(), { tls: { key, cert } });
    const err = await handshakeError(port, ['h2']);
    expect(err.code).toBe('ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL');
  });

  it('should negotiate http/1.1 with a client that offers h2 and http/1.1, and answer it', async () => {
    const { port } = await serve(helloApp(), { tls: { key, cert } });
    const { alpnProtocol, response } = await getOverTls(port, ['h2', 'http/1.1']);
    expect(alpnProtocol).toBe('http/1.1');
    expect(response.status).toBe(200);
    expect(response.text()).toBe('hello');
  });

  it('should serve a client that offers no ALPN at all', async () => {
    const { port } = await serve(helloApp(), { tls: { key, cert } });
    const { alpnProtocol, response } = await getOverTls(port);
    expect(alpnProtocol).toBe(false);
    expect(response.status).toBe(200);
    expect(response.text()).toBe('hello');
  });
});
