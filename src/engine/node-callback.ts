/**
 * The engine's exchanges over Node's own server: a `(req, res)` handler for `node:http`,
 * `node:https` and `node:http2`'s compatibility API, running the app's stack and Context on each
 * request Node parsed. It is how an app is tested with supertest, mounted in another server, or
 * served over HTTP/2, which the own engine does not speak.
 *
 * Contract:
 * - Node owns the connection: parsing, keep-alive, pipelining order, `100 Continue` (node:http
 *   writes it itself unless the server listens for 'checkContinue'), malformed requests, and the
 *   bytes of every head. This module turns one request into an {@link Exchange}, feeds `req`'s body
 *   into its BodySource with backpressure, and writes the handler's Reply through `res`.
 * - `frameHead()` still decides the response as it does on the own engine — status range, owned
 *   and hop-by-hop fields, no content for HEAD/204/304, the length HEAD and 205 announce, every
 *   field checked — and a head it refuses is answered by the one error path. Its HTTP/1.1 text is
 *   not written: Node writes its own head, chunked or close-delimited framing included.
 * - Streamed content is held to its declared length: a stream that runs over is cut there (the
 *   message is complete, and an HTTP/1 connection is closed after it, as on the own engine); one
 *   that ends short or fails destroys the response (the connection, or the HTTP/2 stream), since
 *   the head promised what can no longer follow.
 * - The handler hears `kAbort` when the client leaves first — the socket closes (HTTP/1), the
 *   stream is reset (HTTP/2) — and an unfinished request body fails with `ECONNRESET`, message
 *   `aborted`, as on the own engine. The head the Context reads: node-head.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Buffer } from 'node:buffer';
import { BodySource, type BodyOwner } from './body-source.js';
import { releaseBody, type BodyStream } from './body-stream.js';
import { SERVER_DEFAULTS } from './defaults.js';
import { kAttach, kRun, type EngineApp, type EngineOptions } from './engine.js';
import {
  Exchange,
  STAGE,
  kAbort,
  kCommitted,
  kDiscard,
  kFailed,
  kFinished,
  kReplyError,
  kSocketError,
  type ExchangeOwner,
} from './exchange.js';
import { FRAME, Framing, frameHead, isHopByHop, type Reply } from './framing.js';
import { headOf } from './node-head.js';
import { bytesOf, drained, readable } from './content-writer.js';
import { replyOf } from './render.js';

/** A request as Node's HTTP/1 server or its HTTP/2 compatibility API hands it over. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;
/** The response that goes with a {@link NodeRequest}. */
export type NodeResponse = ServerResponse | Http2ServerResponse;
/** What `app.callback()` returns: a `'request'` listener for node:http, node:https and node:http2. */
export type NodeHandler = (req: NodeRequest, res: NodeResponse) => void;
/** The engine options that apply when Node serves the connection. */
export type NodeCallbackOptions = Pick<EngineOptions, 'bodyHighWaterMark'>;

/**
 * A handler that runs `app` for every request Node's server receives; see the module contract.
 *
 * @example http.createServer(nodeCallback(app, app.settings)).listen(8006)
 */
export function nodeCallback(app: EngineApp, options: NodeCallbackOptions = {}): NodeHandler {
  const highWaterMark = options.bodyHighWaterMark ?? SERVER_DEFAULTS.bodyHighWaterMark;
  return (req, res) => {
    new NodeExchange(app, req, res, highWaterMark).start();
  };
}

/** The reason a body's reader sees when the client went away mid-body (the own engine's, and Node's). */
function aborted(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

/** RFC 9113 §7 INTERNAL_ERROR (node:http2's `constants`, not imported: this module loads no HTTP module). */
const NGHTTP2_INTERNAL_ERROR = 2;

const kOwner = Symbol('shallot.nodeExchange');
const kLive = Symbol('shallot.liveExchanges');
const kFailure = Symbol('shallot.socketFailure');

/** `req`, `res` (and an HTTP/1 socket) tagged with what listens to them, so listeners are shared functions. */
interface Tagged {
  [kOwner]?: NodeExchange;
  [kLive]?: Set<NodeExchange>;
  /** What an HTTP/1 socket failed with (a reset), told to its exchanges as their abort's cause. */
  [kFailure]?: Error;
}

/** What both responses offer for content (their own signatures differ only in their callbacks). */
interface ContentSink {
  write(chunk: Uint8Array): boolean;
}

/** What the last head decided (filled and read within one synchronous write, as the outbox's). */
const framing = new Framing();

/**
 * Where the response is: its handler runs; its content streams; `res.end()` was called; Node
 * finished it; its content failed (the handler was told, nothing more is said); its client left.
 */
type Phase = 'running' | 'streaming' | 'ended' | 'finished' | 'failed' | 'gone';

/** One request and its response on Node's server. */
class NodeExchange implements ExchangeOwner, BodyOwner {
  readonly #app: EngineApp;
  readonly #req: NodeRequest & Tagged;
  readonly #res: NodeResponse & Tagged;
  readonly #h2: boolean;
  readonly #ex: Exchange;
  #phase: Phase = 'running';
  /** The stream being written, and the bytes its declared length still owes (-1: none declared). */
  #source: Readable | AsyncIterable<unknown> | null = null;
  #left = -1;

  static #onData(this: NodeRequest & Tagged, chunk: Buffer): void {
    const self = this[kOwner]!;
    const body = self.#ex.body;
    body.push(chunk);
    // Node delivers what one read gave: a stream reader that is waiting gets it now.
    body.settle();
    if (body.full) this.pause();
  }

  static #onEnd(this: NodeRequest & Tagged): void {
    const raw = this.rawTrailers;
    this[kOwner]!.#ex.body.end(raw.length > 0 ? raw : null);
  }

  /** The body was cut short ('aborted', or 'error', which Node emits only to listeners). */
  static #onAborted(this: NodeRequest & Tagged): void {
    const self = this[kOwner]!;
    self.#leave(self.#socketFailure());
  }

  static #onFinish(this: NodeResponse & Tagged): void {
    this[kOwner]!.#finished();
  }

  static #onClose(this: NodeResponse & Tagged): void {
    const self = this[kOwner]!;
    self.#leave(self.#socketFailure());
  }

  /** Node reports a failed write on the response itself; the socket's or stream's closing follows, and says it. */
  static #onResponseError(this: NodeResponse & Tagged, err: Error): void {
    this[kOwner]!.#app.log.debug({ err }, 'response error');
  }

  /** An HTTP/1 socket closed: every exchange on it not yet finished lost its client (pipelined ones included). */
  static #onSocketClose(this: Socket & Tagged): void {
    const live = this[kLive];
    if (live === undefined) return;
    for (const x of [...live]) x.#leave(this[kFailure] ?? null);
  }

  /** Node's server handles the socket's errors; this only keeps the first, marked as the client's (see kSocketError). */
  static #onSocketError(this: Socket & Tagged, err: Error): void {
    if (this[kFailure] !== undefined) return;
    (err as { [kSocketError]?: boolean })[kSocketError] = true;
    this[kFailure] = err;
  }

  constructor(app: EngineApp, req: NodeRequest, res: NodeResponse, highWaterMark: number) {
    this.#app = app;
    this.#req = req;
    this.#res = res;
    this.#h2 = req.httpVersionMajor >= 2;
    this.#ex = new Exchange(headOf(req, this.#h2), new BodySource(this, highWaterMark), this);
  }

  start(): void {
    const req = this.#req;
    const res = this.#res;
    const ex = this.#ex;
    req[kOwner] = this;
    res[kOwner] = this;
    const socket = req.socket as Socket & Tagged;
    if (ex.head.framing === 'none') {
      // Nothing follows the head: the body is complete now, as the own engine's parser says at once.
      ex.body.end(null);
      req.resume();
    } else {
      req.on('data', NodeExchange.#onData);
      req.on('end', NodeExchange.#onEnd);
    }
    req.on('aborted', NodeExchange.#onAborted);
    req.on('error', NodeExchange.#onAborted);
    res.on('finish', NodeExchange.#onFinish);
    res.on('close', NodeExchange.#onClose);
    res.on('error', NodeExchange.#onResponseError);
    // A pipelined HTTP/1 response waiting behind another is not attached to the socket yet, so its
    // 'close' would not say the client left: the socket's does, once for all of them.
    if (!this.#h2) {
      let live = socket[kLive];
      if (live === undefined) {
        live = socket[kLive] = new Set();
        socket.once('close', NodeExchange.#onSocketClose);
        socket.on('error', NodeExchange.#onSocketError);
      }
      live.add(this);
    }
    this.#app[kAttach](ex, socket);
    this.#app[kRun](ex);
  }

  // ── BodyOwner and ExchangeOwner ─────────────────────────────────────────────────────────
  /** The body's reader wants more: read on (Node sends `100 Continue` itself). */
  bodyWanted(): void {
    if (this.#req.isPaused()) this.#req.resume();
  }

  /** The handler's response may be written: write it now (Node keeps the order of pipelined ones). */
  ready(ex: Exchange): void {
    if (this.#phase === 'gone') {
      ex.stage = STAGE.DONE;
      ex.handler![kDiscard]();
      return;
    }
    ex.stage = STAGE.DONE;
    this.#write();
  }

  // ── writing ─────────────────────────────────────────────────────────────────────────────
  #write(): void {
    const ex = this.#ex;
    const h = ex.handler!;
    let r = replyOf(ex);
    try {
      this.#head(r);
    } catch (err) {
      // A head frameHead() or Node refused (a status HTTP/2 cannot carry, say): the one error path answers.
      releaseBody(r.stream);
      const res = this.#res;
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      r = h[kReplyError](err);
      this.#head(r);
    }
    h[kCommitted]();
    const mode = framing.mode;
    if (mode === FRAME.NONE) {
      releaseBody(r.stream);
      this.#end();
    } else if (r.stream !== null) {
      this.#phase = 'streaming';
      void this.#stream(r.stream, mode === FRAME.LENGTH ? framing.length : -1);
    } else {
      this.#end(r.payload);
    }
  }

  /** Sets status, reason and fields on `res` and sends the head; throws, sending nothing, when they are refused. */
  #head(r: Reply): void {
    // The HTTP/1.1 text is not used: Node writes the head (see the module contract).
    frameHead(this.#ex, r, false, '', framing);
    const res = this.#res;
    const status = r.status;
    const headers = r.headers;
    const named =
      headers['connection'] === undefined
        ? []
        : String(headers['connection'])
            .toLowerCase()
            .split(',')
            .map((t) => t.trim());
    for (const name in headers) {
      if (isHopByHop(name) && !(name === 'proxy-authenticate' && status === 407)) continue;
      if (named.includes(name)) continue;
      const v = headers[name] as unknown;
      res.setHeader(name, Array.isArray(v) ? v.map(String) : String(v));
    }
    // frameHead's rule 3: the length HEAD and 205 announce, as well as a known content length.
    const length = status === 204 || status === 304 ? -1 : status === 205 ? 0 : r.length;
    if (length >= 0) res.setHeader('content-length', String(length));
    if (this.#h2) {
      // HTTP/2 has no reason phrase and no connection fields.
      (res as Http2ServerResponse).writeHead(status);
    } else {
      if (named.includes('close')) res.setHeader('connection', 'close');
      (res as ServerResponse).writeHead(status, r.reason);
    }
  }

  #end(payload?: string | Uint8Array | null): void {
    this.#phase = 'ended';
    if (payload === null || payload === undefined) this.#res.end();
    else this.#res.end(payload);
  }

  /** Writes a stream held to `length` (or -1), with backpressure; see the module contract. */
  async #stream(content: BodyStream, length: number): Promise<void> {
    const h = this.#ex.handler!;
    const res = this.#res;
    const sink = res as ContentSink;
    const src = readable(content);
    this.#source = src;
    let left = (this.#left = length);
    let failure: unknown = null;
    let cut = false;
    try {
      for await (const piece of src as AsyncIterable<unknown>) {
        if (this.#phase !== 'streaming') return;
        const buf = bytesOf(piece);
        const n = buf.byteLength;
        if (n === 0) continue;
        if (left >= 0 && n > left) {
          if (left > 0) sink.write(buf.subarray(0, left));
          this.#left = 0;
          failure = new Error(`The response body ran over its Content-Length of ${length} bytes; it was cut there`);
          cut = true;
          break;
        }
        if (left > 0) left = this.#left -= n;
        if (!sink.write(buf) && this.#phase === 'streaming') await drained(res);
      }
    } catch (err) {
      failure = err;
    }
    if (this.#phase !== 'streaming') return;
    this.#source = null;
    if (failure === null && left > 0) {
      failure = new Error(
        `The response body ended ${left} bytes short of its Content-Length of ${length}; the response was cut short`,
      );
    }
    if (failure === null) {
      this.#end();
      return;
    }
    this.#phase = 'failed';
    this.#release();
    h[kFailed](failure, false);
    if (cut) {
      // Intact up to its length: the message ends there, and (HTTP/1) so does the connection.
      if (!this.#h2) {
        const socket = this.#req.socket;
        res.once('finish', () => socket.end());
      }
      res.end();
      return;
    }
    // The head is gone: the only honest signal left is to cut the response short — the HTTP/2
    // stream reset as an error (a reset with NO_ERROR would read as a complete response).
    releaseBody(src);
    if (this.#h2) (res as Http2ServerResponse).stream.close(NGHTTP2_INTERNAL_ERROR);
    else res.destroy();
  }

  // ── how it ends ─────────────────────────────────────────────────────────────────────────
  #finished(): void {
    if (this.#phase !== 'ended') return;
    this.#phase = 'finished';
    this.#release();
    this.#ex.handler![kFinished]();
  }

  /** The response is done with: the rest of a body nobody read is dropped as it arrives, so Node can read on. */
  #release(): void {
    this.#forget();
    const body = this.#ex.body;
    body.discard();
    if (!body.ended) this.#req.resume();
  }

  /** The client left (or the request failed) before the response was finished; `cause`: its socket's error. */
  #leave(cause: Error | null): void {
    const phase = this.#phase;
    if (phase === 'gone' || phase === 'finished' || phase === 'failed') return;
    this.#phase = 'gone';
    this.#forget();
    this.#ex.body.abort(aborted());
    const h = this.#ex.handler!;
    // A stream that wrote every byte its length promised gave the client the whole response.
    if (phase === 'streaming' && this.#left === 0) h[kFinished]();
    else h[kAbort](new Error('Client closed the connection', cause === null ? undefined : { cause }));
    releaseBody(this.#source);
    this.#source = null;
    // Its response will never be written: what it holds (a stream it set, one it writes through ctx.res) goes now.
    h[kDiscard]();
  }

  /** What the HTTP/1 socket failed with (its 'error' comes before Node aborts the requests on it), or null. */
  #socketFailure(): Error | null {
    return this.#h2 ? null : ((this.#req.socket as Socket & Tagged)[kFailure] ?? null);
  }

  #forget(): void {
    if (!this.#h2) (this.#req.socket as Socket & Tagged)[kLive]?.delete(this);
  }
}
