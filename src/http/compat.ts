/**
 * Stand-ins for Node's IncomingMessage and ServerResponse, so middleware written for Koa (which
 * reaches for `ctx.req` / `ctx.res`) runs unmodified. They are views over the context, not copies:
 * `res.setHeader` writes `ctx.response`'s headers, `req` *is* the request body stream.
 *
 * Writing through `res.write()`/`res.end()` commits the response as Node's first write does (the
 * rules are `ServerResponseShim`'s): the bytes go through a PassThrough that the engine streams,
 * so they still leave by the connection's one ordered write path (pipelining order and
 * backpressure hold).
 */
import { EventEmitter } from 'node:events';
import { PassThrough, Readable, pipeline } from 'node:stream';
import type { Socket } from 'node:net';
import type { BodySource } from '../engine/body-source.js';
import type { IncomingHeaders } from './incoming-headers.js';
import type { OutgoingHeaders, Response, ResponseBody } from './response.js';
import type { Request } from './request.js';
import {
  RESPONSE_STARTED,
  kBody,
  kComplete,
  kMarkAborted,
  kMarkFinished,
  kRawDiscard,
  kRawReply,
  kRawSettle,
  kStarted,
} from './internal.js';
import { Buffer } from 'node:buffer';
import { Reply } from '../engine/framing.js';
import { ignore } from '../engine/ignore.js';
import { bodyStream } from './body-kind.js';
import { declaredLength } from './respond.js';

/** What the stand-ins read and write of the context they belong to (Context implements it). */
export interface ShimOwner {
  readonly request: Request;
  readonly response: Response;
  readonly socket: Socket;
  headerSent: boolean;
  readonly req: IncomingMessageShim;
  status: number;
  message: string;
  body: ResponseBody;
  respond: boolean;
  readonly [kBody]: BodySource;
  [kComplete](error: unknown): boolean;
}

/**
 * `ctx.req`: IncomingMessage's members on top of a Readable of the request body.
 *
 * Failure follows IncomingMessage (`_http_incoming.js`), because the ecosystem's upload code is
 * written against it: when the body cannot be completed — the client reset or half-closed, a chunk
 * line was malformed, the request timed out — the stream emits `'aborted'`, then `'error'` *only
 * if someone listens for it*, then `'close'`. A handler that pipes `ctx.req` somewhere with no
 * error listener of its own therefore cannot take the process down; `for await`, `pipeline()`
 * and `finished()` listen, and so see the error. Its `code` says which: `ECONNRESET` (message
 * `aborted`, as Node) when the client went away, `ERR_BODY_ABORTED` with status 400 when it
 * half-closed mid-body (it may still read an answer), `HPE_*` with status 400 for a malformed
 * body, `ERR_REQUEST_TIMEOUT` with status 408.
 *
 * @example for await (const chunk of ctx.req) size += chunk.length
 */
export class IncomingMessageShim extends Readable {
  readonly #ctx: ShimOwner;
  #aborted = false;

  constructor(ctx: ShimOwner) {
    super({ highWaterMark: ctx[kBody].highWaterMark });
    this.#ctx = ctx;
    ctx[kBody].attach(this);
  }

  override _read(): void {
    this.#ctx[kBody].wanted();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.complete) {
      this.#aborted = true;
      this.emit('aborted');
    }
    // Checked a tick later, as Node does: a listener added right after destroy() still hears it.
    process.nextTick(() => cb(this.listenerCount('error') > 0 ? err : null));
  }

  /** Node's `req.setTimeout`: timeouts are the server's (`requestTimeout`); kept for compatibility. */
  setTimeout(_ms: number, cb?: () => void): this {
    if (cb !== undefined) this.once('timeout', cb);
    return this;
  }

  get method(): string {
    return this.#ctx.request.method;
  }
  set method(v: string) {
    this.#ctx.request.method = v;
  }
  get url(): string {
    return this.#ctx.request.url;
  }
  set url(v: string) {
    this.#ctx.request.url = v;
  }
  get headers(): IncomingHeaders {
    return this.#ctx.request.headers;
  }
  get rawHeaders(): string[] {
    return this.#ctx.request.head.rawHeaders;
  }
  get httpVersion(): string {
    return this.#ctx.request.head.httpVersion;
  }
  get httpVersionMajor(): number {
    return this.#ctx.request.head.versionMajor;
  }
  get httpVersionMinor(): number {
    return this.#ctx.request.head.versionMinor;
  }
  get socket(): Socket {
    return this.#ctx.socket;
  }
  get connection(): Socket {
    return this.#ctx.socket;
  }
  /** True once the whole body was received. */
  get complete(): boolean {
    return this.#ctx[kBody].ended;
  }
  /** True once the body was cut short (`'aborted'` was emitted). */
  get aborted(): boolean {
    return this.#aborted || this.#ctx[kBody].error !== null;
  }
  get trailers(): Record<string, string> {
    const out: Record<string, string> = {};
    const t = this.#ctx[kBody].trailers ?? [];
    for (let i = 0; i < t.length; i += 2) out[t[i]!.toLowerCase()] = t[i + 1]!;
    return out;
  }
  get rawTrailers(): string[] {
    return this.#ctx[kBody].trailers ?? [];
  }
}

/**
 * `ctx.res`: the ServerResponse members middleware uses, over `ctx.response`.
 *
 * Raw writes follow Node and Koa (docs/koa.md states the same rules for users):
 * - The first `write()`, `flushHeaders()` or `end()` commits the head as `ctx.response` holds it
 *   then (status 200 unless one was set, as Node; no Content-Type invented). From then on
 *   `ctx.headerSent` is true and `ctx.set()`, `ctx.status`, `ctx.message` change nothing. The
 *   response starts at once, even while the middleware runs: a large `pipe(ctx.res)` never waits
 *   on itself.
 * - Its content is what was written. When the stack finishes with `ctx.respond` true and `end()`
 *   was not called, `ctx.body` (if any) follows and the response ends — Koa's `respond()` writes
 *   the body into `res` and ends it. With `ctx.respond = false` ending it is the handler's job.
 * - A middleware error after the head was committed cuts the response short (the connection
 *   closes), unless `end()` had already completed it.
 * - When the client leaves, the content stream is destroyed; later writes are dropped, as Node's.
 *
 * @example ctx.res.setHeader('x-powered-by', 'shallot')
 */
export class ServerResponseShim extends EventEmitter {
  readonly #ctx: ShimOwner;
  /** The content, once a write or flushHeaders() came before end(). */
  #stream: PassThrough | null = null;
  /** The content of an `end(data)` that came before any write. */
  #payload: Buffer | null = null;
  #started = false;
  #ended = false;
  #finished = false;
  #closed = false;

  constructor(ctx: ShimOwner) {
    super();
    this.#ctx = ctx;
  }

  get statusCode(): number {
    return this.#ctx.status;
  }
  set statusCode(v: number) {
    this.#ctx.status = v;
  }
  get statusMessage(): string {
    return this.#ctx.message;
  }
  set statusMessage(v: string) {
    this.#ctx.message = v;
  }
  get headersSent(): boolean {
    return this.#ctx.headerSent;
  }
  get socket(): Socket {
    return this.#ctx.socket;
  }
  get connection(): Socket {
    return this.#ctx.socket;
  }
  get req(): IncomingMessageShim {
    return this.#ctx.req;
  }
  /** False once `end()` was called, as ServerResponse's `writable`. */
  get writable(): boolean {
    return !this.#ended && !this.#finished;
  }
  /** True once `end()` was called, or the response was written by the server. */
  get writableEnded(): boolean {
    return this.#ended || this.#finished;
  }
  get finished(): boolean {
    return this.#ended || this.#finished;
  }
  get writableFinished(): boolean {
    return this.#finished;
  }
  /** Bytes written but not yet sent. */
  get writableLength(): number {
    return this.#stream === null ? 0 : this.#stream.writableLength;
  }
  /** True once a raw write committed the head (see RESPONSE_STARTED). */
  get [kStarted](): boolean {
    return this.#started;
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.#ctx.response.set(name, value);
    return this;
  }
  getHeader(name: string): string | number | string[] | undefined {
    return this.#ctx.response.get(name);
  }
  getHeaders(): OutgoingHeaders {
    return { ...this.#ctx.response.headers };
  }
  getHeaderNames(): string[] {
    return Object.keys(this.#ctx.response.headers);
  }
  hasHeader(name: string): boolean {
    return this.#ctx.response.has(name);
  }
  removeHeader(name: string): void {
    this.#ctx.response.remove(name);
  }
  /** Node 18.3+: adds a value to a header. */
  appendHeader(name: string, value: string | readonly string[]): this {
    this.#ctx.response.append(name, value);
    return this;
  }

  /**
   * Sets status, reason and headers. `headers` may be an object or Node's flat `[name, value, …]` list.
   *
   * @example ctx.res.writeHead(200, { 'content-type': 'text/plain' })
   */
  writeHead(status: number, message?: string | HeaderInit, headers?: HeaderInit): this {
    this.#ctx.status = status;
    let h = headers;
    if (typeof message === 'string') this.#ctx.message = message;
    else h = message;
    if (Array.isArray(h)) {
      for (let i = 0; i + 1 < h.length; i += 2) this.#ctx.response.append(String(h[i]), String(h[i + 1]));
    } else if (h !== undefined) {
      for (const k of Object.keys(h)) this.#ctx.response.set(k, h[k]!);
    }
    return this;
  }

  /** Commits the head now: the response starts streaming. */
  flushHeaders(): void {
    if (this.#ended) return;
    this.#open();
    this.#start();
  }

  write(
    chunk: string | Uint8Array,
    encoding?: BufferEncoding | ((err?: Error | null) => void),
    cb?: (err?: Error | null) => void,
  ): boolean {
    const done = typeof encoding === 'function' ? encoding : cb;
    if (this.#ended) {
      const err = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
      process.nextTick(() => {
        done?.(err);
        this.emit('error', err);
      });
      return false;
    }
    const s = this.#open();
    // Start first: a 'drain' caused by the connection reading synchronously must come after
    // write() returned false, or `pipe()` would wait for a drain that already happened.
    this.#start();
    if (s.destroyed) {
      // The client left: the bytes are dropped, as Node's ServerResponse drops them.
      if (done !== undefined) {
        const err = Object.assign(new Error('Cannot call write after a stream was destroyed'), {
          code: 'ERR_STREAM_DESTROYED',
        });
        process.nextTick(done, err);
      }
      return false;
    }
    return typeof encoding === 'function' ? s.write(chunk, encoding) : s.write(chunk, encoding ?? 'utf8', cb);
  }

  /** Node's `res.setTimeout`: timeouts are the server's; kept for compatibility. */
  setTimeout(_ms: number, cb?: () => void): this {
    if (cb !== undefined) this.once('timeout', cb);
    return this;
  }

  /** Writes are already batched by the connection. */
  cork(): void {}
  uncork(): void {}

  /** Abandons the response: the connection is closed without a complete answer. */
  destroy(err?: Error): this {
    this.#ctx.socket.destroy(err);
    return this;
  }

  end(chunk?: string | Uint8Array | (() => void), encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (this.#ended) return this;
    this.#ended = true;
    const done = typeof chunk === 'function' ? chunk : typeof encoding === 'function' ? encoding : cb;
    const data = typeof chunk === 'function' ? undefined : chunk;
    const enc = typeof encoding === 'string' ? encoding : 'utf8';
    const s = this.#stream;
    if (s !== null) {
      if (!s.destroyed) s.end(data ?? '', enc);
    } else if (data === undefined) {
      this.#payload = EMPTY;
    } else {
      this.#payload =
        typeof data === 'string' ? Buffer.from(data, enc) : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    }
    if (done !== undefined) this.once('finish', done);
    this.#start();
    return this;
  }

  /** The reply of a raw response: the head as it was when committed, and the bytes written. */
  [kRawReply](): Reply {
    const res = this.#ctx.response;
    const headers = res.headers;
    const s = this.#stream;
    if (s !== null) {
      // A stream that failed before its head was written is answered with its error (a 500).
      if (s.errored !== null) throw s.errored;
      return new Reply(res.status, res.message, headers, null, declaredLength(headers), s);
    }
    const payload = this.#payload!;
    // Left for middleware that runs at 'finish' (a logger) to read the size that was sent.
    headers['content-length'] = String(payload.byteLength);
    return new Reply(res.status, res.message, headers, payload, payload.byteLength, null);
  }

  /**
   * The stack settled after the head was committed. With an error, a response not yet ended is cut
   * short (its stream fails, and the engine reports the error): true when that happened, false
   * when the caller must report the error itself. Without one, unless `ctx.respond` is false, an
   * open response gets `body` and ends, as Koa's `respond()` does.
   */
  [kRawSettle](body: ResponseBody, error: unknown): boolean {
    const s = this.#stream;
    if (error !== null) {
      if (this.#ended || s === null || s.destroyed) return false;
      s.destroy(error as Error);
      return true;
    }
    if (this.#ended || !this.#ctx.respond || s === null) return false;
    this.#ended = true;
    if (body === undefined || body === null) s.end();
    else if (typeof body === 'string' || body instanceof Uint8Array) s.end(body);
    else {
      const source = bodyStream(body);
      if (source === null) s.end(JSON.stringify(body) ?? 'null');
      else pipeline(source instanceof Readable ? source : Readable.from(source as AsyncIterable<unknown>), s, ignore);
    }
    return false;
  }

  /** The response will never be written (the client left): the content lets go of what it holds. */
  [kRawDiscard](): void {
    this.#stream?.destroy();
  }

  /** The connection finished writing the response. */
  [kMarkFinished](): void {
    if (this.#finished) return;
    this.#finished = true;
    this.emit('finish');
    this.#close();
  }

  /**
   * The client left (or the request timed out) before the response was complete: 'close' without
   * 'finish', as Node's ServerResponse. A logger listens to this one event instead of
   * `ctx.signal`, whose AbortController costs ~3 µs per request to create.
   */
  [kMarkAborted](): void {
    if (!this.#finished) this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('close');
  }

  #open(): PassThrough {
    if (this.#stream === null) {
      const s = new PassThrough();
      this.#stream = s;
      // Its failure is the engine's to handle (it reads `errored`); an 'error' before the engine
      // reads it, or after the client left, must not crash the process.
      s.on('error', ignore);
      // `pipe(ctx.res)` waits for the shim's own 'drain'; deferred, as a socket's is, so that it
      // never fires inside the write() whose `false` it answers.
      s.on('drain', () => process.nextTick(() => this.emit('drain')));
    }
    return this.#stream;
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    const ctx = this.#ctx;
    if (!ctx.response.explicitStatus) ctx.status = 200;
    ctx.headerSent = true;
    this.emit(RESPONSE_STARTED);
    // The head is committed now, as Node's first write would, even while the middleware still
    // runs (it may be waiting for this very stream to drain).
    ctx[kComplete](null);
  }
}

/** Node's `writeHead` header forms. */
type HeaderInit = Record<string, string | number | string[]> | (string | number)[];

const EMPTY = Buffer.alloc(0);
