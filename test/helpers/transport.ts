/**
 * The transport the Context suites run over. By default the own engine (`app.inject()`,
 * `app.listen()`); in the vitest project `callback` (`SHALLOT_TEST_TRANSPORT=callback`), Node's
 * `node:http` server running `app.callback()`, so the same tests check the Context on Node's
 * request and response.
 *
 * `inject(app, input)` is `app.inject(input)` on either: over the callback it sends the same bytes
 * on a real connection to a fresh `http.createServer(app.callback())`, half-closes once every
 * request has its response (as `app.inject` does: an EOF before that is a client that left), and
 * reads back every byte the server wrote.
 */
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { Buffer } from 'node:buffer';
import type { App } from '../../src/http/app.js';
import { requestBytes, requestMethods, type InjectInput, type InjectResult } from '../../src/engine/inject.js';
import { readResponses } from '../../src/engine/response-reader.js';

/** `'callback'` in the vitest project of that name, else `'engine'`. */
export const TRANSPORT: 'engine' | 'callback' =
  process.env['SHALLOT_TEST_TRANSPORT'] === 'callback' ? 'callback' : 'engine';

/** Whether the suites run over `app.callback()` under node:http. */
export const OVER_CALLBACK = TRANSPORT === 'callback';

/**
 * `app.inject(input)` over the transport under test; see the module comment.
 *
 * @example const { responses } = await inject(app, { url: '/' })
 */
export function inject<S extends object>(app: App<S>, input: InjectInput): Promise<InjectResult> {
  return OVER_CALLBACK ? injectOverCallback(app, input) : app.inject(input);
}

async function injectOverCallback<S extends object>(app: App<S>, input: InjectInput): Promise<InjectResult> {
  const bytes = requestBytes(input);
  const methods = requestMethods(bytes);
  const handler = app.callback();
  let answered = 0;
  let serverSocket: Socket | null = null;
  let settle!: () => void;
  const quiet = new Promise<void>((resolve) => (settle = resolve));
  const server = http.createServer((req, res) => {
    serverSocket = req.socket;
    // 'close' follows 'finish', or the client leaving: either way nothing more comes for it.
    res.once('close', () => {
      if (++answered >= methods.length) settle();
    });
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  const chunks: Buffer[] = [];
  let serverEnded = false;
  client.on('data', (c: Buffer) => chunks.push(c));
  client.on('end', () => {
    serverEnded = true;
    settle();
  });
  client.on('error', () => settle());
  const gone = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  if (methods.length === 0) settle();
  client.write(bytes);
  await quiet;
  // The server ended the connection on its own (Connection: close, an error) when its side was
  // already closing as the last response finished; else our EOF is what ends it.
  const s = serverSocket as Socket | null;
  const closed = serverEnded || (s !== null && (s.writableEnded || s.destroyed));
  client.end();
  await gone;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const raw = Buffer.concat(chunks);
  return { responses: readResponses(raw, methods), raw, closed };
}
