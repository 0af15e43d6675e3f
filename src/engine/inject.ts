/**
 * `app.inject()`: the real connection engine over an in-memory duplex. What goes in is exactly the
 * bytes a client would send (so malformed and pipelined input is possible); what comes out is
 * every byte the server wrote, plus those bytes read back into responses.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import { RequestParser } from '../parser/parser.js';
import type { Engine } from './engine.js';
import { readResponses, type InjectedResponse } from './response-reader.js';
import { Buffer } from 'node:buffer';

/** A request described as an object; serialised with `Host` and `Content-Length` filled in. */
export interface InjectRequest {
  method?: string;
  url?: string;
  headers?: Record<string, string | string[]>;
  /** A string or bytes; an object is sent as JSON. */
  body?: string | Uint8Array | object;
}

/** Raw bytes (one or several requests, valid or not), or a request object. */
export type InjectInput = string | Uint8Array | InjectRequest;

/** What `app.inject()` resolves to. */
export interface InjectResult {
  /** Every response, in order (interim 1xx responses included). */
  responses: InjectedResponse[];
  /** Every byte the server wrote. */
  raw: Buffer;
  /** Whether the server closed the connection (rather than the input simply ending). */
  closed: boolean;
}

/** The server end of an in-memory connection. */
class InjectSocket extends Duplex {
  readonly out: Buffer[] = [];
  ended = false;
  remoteAddress = '127.0.0.1';
  remotePort = 0;
  encrypted = false;

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.out.push(chunk);
    cb();
  }

  override _writev(chunks: { chunk: Buffer }[], cb: (err?: Error | null) => void): void {
    for (const c of chunks) this.out.push(c.chunk);
    cb();
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.ended = true;
    cb();
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }
}

/** Runs `input` through a fresh connection of `engine`. */
export async function inject(engine: Engine, input: InjectInput): Promise<InjectResult> {
  const bytes = requestBytes(input);
  const socket = new InjectSocket({ allowHalfOpen: true });
  const done = new Promise<void>((resolve) => {
    socket.once('finish', () => resolve());
    socket.once('close', () => resolve());
  });
  const conn = engine.accept(socket as unknown as Socket);
  // EOF after the input, as a client that sent everything: the server answers, then closes. Not at
  // once, but when the connection has answered all it can (onQuiet): an EOF while handlers still
  // run is a client that left, and would abort their ctx.signal.
  let eof = false;
  conn.onQuiet = () => {
    // A server that already ended its side closed the connection itself: no EOF is owed.
    if (eof || socket.writableEnded || socket.destroyed) return;
    eof = true;
    socket.push(null);
  };
  if (bytes.length === 0) conn.onQuiet();
  else socket.push(bytes);
  await done;
  const raw = Buffer.concat(socket.out);
  // `closed` means the server closed the connection on its own (Connection: close, an error, a
  // request limit), not `ended || destroyed`: the server always ends its side once the client's
  // EOF arrives, so that would be true after every inject.
  return { responses: readResponses(raw, requestMethods(bytes)), raw, closed: !eof };
}

/** The bytes `input` stands for: raw text (latin1) or bytes as given, a request object serialised. */
export function requestBytes(input: InjectInput): Buffer {
  if (typeof input === 'string') return Buffer.from(input, 'latin1');
  return input instanceof Uint8Array ? Buffer.from(input) : serializeRequest(input);
}

/** The methods of the requests in `bytes`, in order, so HEAD responses are read without a body. */
export function requestMethods(bytes: Buffer): string[] {
  const p = new RequestParser();
  const methods: string[] = [];
  p.push(bytes);
  try {
    for (let ev = p.next(); ev.kind !== 'need-data' && ev.kind !== 'upgrade'; ev = p.next()) {
      if (ev.kind === 'head') methods.push(ev.method);
    }
  } catch {
    // Malformed input: the methods before the error are all there is.
  }
  return methods;
}

function serializeRequest(req: InjectRequest): Buffer {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const headers = { ...(req.headers ?? {}) };
  const lower = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
  let body: Buffer | null = null;
  if (req.body !== undefined) {
    if (typeof req.body === 'string') body = Buffer.from(req.body);
    else if (req.body instanceof Uint8Array) body = Buffer.from(req.body);
    else {
      body = Buffer.from(JSON.stringify(req.body));
      if (!lower.has('content-type')) headers['content-type'] = 'application/json';
    }
    if (!lower.has('content-length') && !lower.has('transfer-encoding'))
      headers['content-length'] = String(body.length);
  }
  if (!lower.has('host')) headers['host'] = 'localhost';
  let head = `${method} ${url} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    for (const one of Array.isArray(v) ? v : [v]) head += `${k}: ${one}\r\n`;
  }
  head += '\r\n';
  return body === null ? Buffer.from(head, 'latin1') : Buffer.concat([Buffer.from(head, 'latin1'), body]);
}
