/**
 * Stand-ins for Node's IncomingMessage and ServerResponse, so middleware written for Koa (which
 * reaches for `ctx.req` / `ctx.res`) runs unmodified. They are views over the context, not copies:
 * `res.setHeader` writes `ctx.response`'s headers, `req` *is* the request body stream.
 *
 * Writing through `res.write()`/`res.end()` turns the response into a streamed one: the bytes go
 * through a PassThrough that becomes `ctx.body`, so they still leave by the connection's one
 * ordered write path (pipelining order and backpressure hold).
 */
import { EventEmitter } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import type { Socket } from 'node:net';
import type { Context } from './context.js';
import type { IncomingHeaders } from './incoming-headers.js';
import type { OutgoingHeaders } from './response.js';

/**
 * `ctx.req`: IncomingMessage's members on top of a Readable of the request body.
 *
 * @example for await (const chunk of ctx.req) size += chunk.length
 */
export class IncomingMessageShim extends Readable {
  readonly #ctx: Context;

  constructor(ctx: Context) {
    super({ highWaterMark: ctx.bodySource.highWaterMark });
    this.#ctx = ctx;
    ctx.bodySource.attach(this);
  }

  override _read(): void {
    this.#ctx.bodySource.wanted();
  }

  get method(): string { return this.#ctx.request.method; }
  set method(v: string) { this.#ctx.request.method = v; }
  get url(): string { return this.#ctx.request.url; }
  set url(v: string) { this.#ctx.request.url = v; }
  get headers(): IncomingHeaders { return this.#ctx.request.headers; }
  get rawHeaders(): string[] { return this.#ctx.request.head.rawHeaders; }
  get httpVersion(): string { return this.#ctx.request.head.httpVersion; }
  get httpVersionMajor(): number { return this.#ctx.request.head.versionMajor; }
  get httpVersionMinor(): number { return this.#ctx.request.head.versionMinor; }
  get socket(): Socket { return this.#ctx.socket; }
  get connection(): Socket { return this.#ctx.socket; }
  /** True once the whole body was received. */
  get complete(): boolean { return this.#ctx.bodySource.ended; }
  get aborted(): boolean { return this.#ctx.bodySource.error !== null; }
  get trailers(): Record<string, string> {
    const out: Record<string, string> = {};
    const t = this.#ctx.bodySource.trailers ?? [];
    for (let i = 0; i < t.length; i += 2) out[t[i]!.toLowerCase()] = t[i + 1]!;
    return out;
  }
  get rawTrailers(): string[] { return this.#ctx.bodySource.trailers ?? []; }
}

/**
 * `ctx.res`: the ServerResponse members middleware uses, over `ctx.response`.
 *
 * @example ctx.res.setHeader('x-powered-by', 'shallot')
 */
export class ServerResponseShim extends EventEmitter {
  readonly #ctx: Context;
  #stream: PassThrough | null = null;
  #ended = false;
  #finished = false;

  constructor(ctx: Context) {
    super();
    this.#ctx = ctx;
  }

  get statusCode(): number { return this.#ctx.status; }
  set statusCode(v: number) { this.#ctx.status = v; }
  get statusMessage(): string { return this.#ctx.message; }
  set statusMessage(v: string) { this.#ctx.message = v; }
  get headersSent(): boolean { return this.#ctx.headerSent; }
  get socket(): Socket { return this.#ctx.socket; }
  get connection(): Socket { return this.#ctx.socket; }
  get req(): IncomingMessageShim { return this.#ctx.req; }
  /** False once `end()` was called, as ServerResponse's `writable`. */
  get writable(): boolean { return !this.#ended; }
  get writableEnded(): boolean { return this.#ended; }
  get finished(): boolean { return this.#ended; }
  get writableFinished(): boolean { return this.#finished; }
  /** @internal true when `end()` was called: a `respond = false` response is complete */
  get ended(): boolean { return this.#ended; }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.#ctx.response.set(name, value);
    return this;
  }
  getHeader(name: string): string | string[] | undefined { return this.#ctx.response.get(name); }
  getHeaders(): OutgoingHeaders { return { ...this.#ctx.response.headers }; }
  getHeaderNames(): string[] { return Object.keys(this.#ctx.response.headers); }
  hasHeader(name: string): boolean { return this.#ctx.response.has(name); }
  removeHeader(name: string): void { this.#ctx.response.remove(name); }

  writeHead(status: number, message?: string | Record<string, string | number | string[]>, headers?: Record<string, string | number | string[]>): this {
    this.#ctx.status = status;
    let h = headers;
    if (typeof message === 'string') this.#ctx.message = message;
    else h = message;
    if (h !== undefined) for (const k of Object.keys(h)) this.#ctx.response.set(k, h[k]!);
    return this;
  }

  write(chunk: string | Uint8Array, encoding?: BufferEncoding | (() => void), cb?: () => void): boolean {
    const s = this.#open();
    return typeof encoding === 'function' ? s.write(chunk, encoding) : s.write(chunk, encoding ?? 'utf8', cb);
  }

  end(chunk?: string | Uint8Array | (() => void), encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (this.#ended) return this;
    this.#ended = true;
    const done = typeof chunk === 'function' ? chunk : typeof encoding === 'function' ? encoding : cb;
    const data = typeof chunk === 'function' ? undefined : chunk;
    if (this.#stream !== null) {
      this.#stream.end(data ?? '', typeof encoding === 'string' ? encoding : 'utf8');
    } else if (data !== undefined) {
      const type = this.#ctx.response.get('content-type');
      this.#ctx.body = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      if (type !== undefined) this.#ctx.response.headers['content-type'] = type;
    } else if (this.#ctx.body === undefined) {
      const status = this.#ctx.status;
      this.#ctx.body = '';
      this.#ctx.status = status === 404 && !this.#ctx.response.explicitStatus ? 200 : status;
    }
    if (done !== undefined) this.once('finish', done);
    this.emit('ended');
    return this;
  }

  /** @internal the connection finished writing the response */
  markFinished(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.emit('finish');
    this.emit('close');
  }

  #open(): PassThrough {
    if (this.#stream === null) {
      const type = this.#ctx.response.get('content-type');
      const s = new PassThrough();
      this.#stream = s;
      this.#ctx.body = s;
      if (type !== undefined) this.#ctx.response.headers['content-type'] = type;
    }
    return this.#stream;
  }
}
