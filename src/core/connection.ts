/**
 * One connection: bytes in → parser → contexts → middleware → responses out, in order.
 *
 * Contract:
 * - Requests are dispatched as soon as their head is parsed (pipelined ones run concurrently),
 *   but responses leave strictly in request order. Responses that are ready together leave in one
 *   corked write (one `writev`), not one syscall each.
 * - Reading stops (socket paused, parser not pulled) while too many requests wait for their
 *   response or a handler has not read its buffered body; it resumes when that drains.
 * - A request is answered exactly once. A parse error is answered after the responses of the
 *   requests before it, with `Connection: close`, and the socket is closed once that is flushed.
 * - `shutdown()` stops reading, answers what was already received (the last response says
 *   `Connection: close`) and closes; an idle connection closes at once.
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { RequestParser } from '../parser/parser.js';
import { ParseError } from '../parser/errors.js';
import type { RequestHead, UpgradeEvent } from '../parser/events.js';
import { BodySource, type BodyOwner } from './request-body.js';
import { Context } from './context.js';
import { rawErrorResponse, serialize, serializeError, type HeadOptions, type StreamPlan } from './respond.js';
import type { EngineHost } from './engine-host.js';
import { Buffer } from 'node:buffer';

const kConnection = Symbol('shallot.connection');

/** A socket tagged with the connection that drives it. */
interface OwnedSocket extends Socket {
  [kConnection]?: Connection;
}

function owner(socket: Socket): Connection {
  return (socket as OwnedSocket)[kConnection]!;
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

/** Per-exchange progress, kept on a small side record so Context stays a pure API object. */
class Exchange {
  ready = false;
  error: unknown = null;
  close = false;
  continueSent = false;
  /** Its handler asked for the body while an earlier response was still owed: 100 Continue waits for it. */
  continueOwed = false;
  constructor(readonly ctx: Context, readonly head: RequestHead) {}
}

/** Drives one socket; see the module contract. */
export class Connection implements BodyOwner {
  readonly socket: Socket;
  readonly #host: EngineHost;
  /**
   * Null while the connection is idle with every byte consumed: the parser went back to the
   * engine's pool (see parser-pool.ts), and #offset keeps the stream offset for the next one.
   */
  #parser: RequestParser | null;
  #offset = 0;
  #queue: Exchange[] = [];
  #current: Exchange | null = null;
  #inflight = 0;
  #paused = false;
  /** No more requests are read: close requested, parse error, EOF, upgrade or shutdown. */
  #stopReading = false;
  #streaming = false;
  /** The exchange whose body is being streamed (already out of the queue), for abort on close. */
  #streamEx: { ex: Exchange; source: StreamPlan['source'] } | null = null;
  #flushScheduled = false;
  #pumping = false;
  #flushDeferred = false;
  #finalBytes: Buffer | null = null;
  #closed = false;
  #requests = 0;
  /** shutdown() was called and its grace turn runs: reading goes on, the last response waits. */
  #draining = false;
  /** The grace turn is over: shutdown() stops reading and closes. */
  #graceOver = false;
  #pendingUpgrade: { ctx: Context; ev: UpgradeEvent | null } | null = null;
  readonly #encrypted: boolean;
  readonly #remote: string;
  /**
   * `app.inject()`'s hook: called when every request received so far is answered or waits only
   * for input that has not come. Its client sends EOF only then, because an EOF is how a real
   * client says it left (see #eof), which must not abort handlers of a complete in-memory request.
   */
  onQuiet: (() => void) | null = null;
  /** Coarse timestamps (ms) read by the server's sweep; 0 = not running. */
  requestStart = 0;
  headDone = false;
  idleSince: number;

  /*
   * Socket listeners are static methods shared by every connection, which they find through a
   * symbol on the socket: six closures per connection were a fifth of an idle connection's heap.
   */
  static #onData(this: Socket, chunk: Buffer): void {
    owner(this).#data(chunk);
  }

  static #onEnd(this: Socket): void {
    owner(this).#eof();
  }

  static #onError(this: Socket, err: Error): void {
    owner(this).#host.log.debug({ err }, 'socket error');
  }

  static #onCloseEvent(this: Socket): void {
    owner(this).#onClose();
  }

  static #onDrain(this: Socket): void {
    owner(this).#resumeIfDrained();
  }

  static #flushLater(conn: Connection): void {
    conn.#flushScheduled = false;
    conn.#flush();
  }

  constructor(host: EngineHost, socket: Socket, encrypted: boolean) {
    this.#host = host;
    this.socket = socket;
    this.#parser = host.parsers.acquire(0);
    this.#encrypted = encrypted;
    this.#remote = socket.remoteAddress ?? '';
    this.idleSince = host.now();
    (socket as OwnedSocket)[kConnection] = this;
    socket.on('data', Connection.#onData);
    socket.on('end', Connection.#onEnd);
    socket.on('error', Connection.#onError);
    socket.on('close', Connection.#onCloseEvent);
    socket.on('drain', Connection.#onDrain);
  }

  /** True when nothing is in progress: no queued exchange, no partial request. */
  get idle(): boolean {
    // A response still streaming, or written but not yet taken by the client, is work in
    // progress: treating it as idle let the keep-alive sweep cut it short.
    return this.#queue.length === 0 && this.#current === null && (this.#parser === null || this.#parser.idle) && this.#finalBytes === null && !this.#streaming && this.socket.writableLength === 0;
  }

  /** Graceful close: stop reading; answer what was received; close after the last response. */
  shutdown(): void {
    if (this.#closed) return;
    if (!this.#graceOver) {
      // Requests a client sent before close() may still sit unread in the socket's receive buffer:
      // stopping now dropped them (the client saw a FIN, or a `Connection: close` answer to an
      // earlier request, instead of their answers). Keep reading for one full loop turn, poll
      // phase included, so they are read; meanwhile #flush holds back the last ready response,
      // which is the one that will say `Connection: close`.
      if (this.#draining) return;
      this.#draining = true;
      setImmediate(() =>
        setImmediate(() => {
          this.#draining = false;
          this.#graceOver = true;
          this.shutdown();
        }),
      );
      return;
    }
    if (this.idle) {
      this.#stopReading = true;
      this.socket.end();
      return;
    }
    // A request whose body is still arriving is in flight: read it to its end, then stop.
    const cur = this.#current;
    if (cur !== null) cur.close = true;
    else this.#stopReading = true;
    const last = this.#queue[this.#queue.length - 1];
    if (last !== undefined) last.close = true;
    this.#flush();
  }

  /** Timeout from the server's sweep: 408 if nothing is being answered, else just close. */
  timeout(): void {
    if (this.#closed) return;
    const ctxs = this.#queue;
    if (ctxs.length === 0 && this.#finalBytes === null) {
      this.#stopReading = true;
      this.#current?.ctx.bodySource.abort(new Error('Request timeout'));
      this.#finalBytes = rawErrorResponse(408, 'ERR_REQUEST_TIMEOUT', 'The request was not received in time', this.#closeOpts());
      this.#flush();
      return;
    }
    this.socket.destroy();
  }

  // ── reading ─────────────────────────────────────────────────────────────────────────────
  #data(chunk: Buffer): void {
    if (this.#stopReading) return;
    if (this.requestStart === 0) {
      this.requestStart = this.#host.now();
      this.headDone = false;
    }
    (this.#parser ??= this.#host.parsers.acquire(this.#offset)).push(chunk);
    this.#pump();
    if (this.onQuiet !== null) this.#notifyQuiet();
  }

  /** No handler still running except for a request whose bytes are still to come; see onQuiet. */
  #notifyQuiet(): void {
    if (this.#paused || this.#streaming || this.#closed) return;
    const cur = this.#current;
    for (const ex of this.#queue) if (!ex.ready && ex !== cur) return;
    this.onQuiet!();
  }

  /**
   * Pulls and handles parser events. A handler that finishes synchronously completes inside this
   * loop: its flush is deferred to the end of the outermost pump, so that the responses to
   * pipelined requests read in one go still leave in one write.
   */
  #pump(): void {
    const outer = !this.#pumping;
    this.#pumping = true;
    try {
      this.#pumpEvents();
    } finally {
      if (outer) this.#pumping = false;
    }
    if (outer && this.#flushDeferred) {
      this.#flushDeferred = false;
      this.#flush();
    }
  }

  /** `until`: stop once that exchange is no longer the one being read (its `end` was handled). */
  #pumpEvents(until: Exchange | null = null): void {
    const parser = this.#parser;
    if (parser === null) return;
    // `this.#parser === parser`: a handler run from here cannot park the parser (it is never
    // drained while a request is current), but the loop does not bet on that.
    while (!this.#paused && !this.#stopReading && this.#parser === parser && (until === null || this.#current === until)) {
      if (this.#current === null && this.socket.writableNeedDrain) {
        // Between requests, with responses still waiting for a client that is not reading them:
        // take no new request until 'drain' (as Node's http server does). Otherwise a client
        // that pipelines requests and never reads grows the write buffer without bound.
        this.#pause();
        return;
      }
      let ev;
      try {
        ev = parser.next();
      } catch (err) {
        if (err instanceof ParseError) this.#parseError(err);
        else throw err;
        return;
      }
      switch (ev.kind) {
        case 'need-data':
          if (this.requestStart === 0 && this.#current === null && !parser.idle) {
            // Part of a next head arrived with (behind) the previous request, whose `end` reset the
            // clock: start it for this one, or a stalled head would escape headersTimeout forever.
            this.requestStart = this.#host.now();
            this.headDone = false;
          }
          if (this.#current === null && this.#queue.length === 0) this.#park();
          return;
        case 'head':
          this.#onHead(ev);
          break;
        case 'body': {
          const src = this.#current!.ctx.bodySource;
          src.push(ev.data);
          if (src.full) this.#pause();
          break;
        }
        case 'end': {
          const ex = this.#current!;
          ex.ctx.bodySource.end(ev.trailers);
          this.#current = null;
          this.requestStart = 0;
          // The last request of the connection: stop here, once its body is complete (not at its
          // head, or a handler reading the body would never see the end). An upgrade request
          // keeps the parser going one step further, to hand over the rest.
          if (ex.close && !ex.head.upgrade) {
            this.#stopReading = true;
            // Its response already went out (answered before the body finished arriving, then
            // shutdown began): nothing is left to send, so close now — no flush is coming to do it.
            if (this.#queue.length === 0 && this.#finalBytes === null && !this.#streaming) this.socket.end();
          }
          // Pipelining backpressure applies between messages: pausing at the head (as before)
          // also withheld this message's own body and end from its handler, so with
          // maxPipelinedRequests 1 — or a full queue — a handler reading its body waited forever.
          else if (this.#queue.length >= this.#host.maxPipelinedRequests) this.#pause();
          break;
        }
        case 'upgrade':
          this.#onUpgrade(ev);
          return;
      }
    }
  }

  #onHead(head: RequestHead): void {
    this.headDone = true;
    const host = this.#host;
    const src = new BodySource(this, host.bodyHighWaterMark);
    const ctx = new Context(host.app, this.socket, head, src, this.#encrypted, this.#remote);
    const ex = new Exchange(ctx, head);
    this.#current = ex;
    this.#queue.push(ex);
    this.#requests++;
    // Not `host.closing`: during shutdown the last request is chosen when the grace ends (see
    // shutdown()), so requests read in the grace, pipelined ones included, are all answered.
    if (!head.keepAlive || (host.maxRequestsPerSocket > 0 && this.#requests >= host.maxRequestsPerSocket)) {
      // Reading stops at this message's `end` (see #pump), not here: its body must still arrive.
      ex.close = true;
    }
    const refusal = this.#refuse(head);
    if (refusal !== null) {
      ex.error = refusal;
      ex.close = true;
      this.#stopReading = true;
      this.#ready(ex);
      return;
    }
    if (head.upgrade) {
      // The parser stops after this message; whoever listens for 'upgrade' takes the socket.
      this.#stopReading = false;
      this.#pendingUpgrade = { ctx, ev: null };
      this.#queue.pop();
      return;
    }
    this.#inflight++;
    host.dispatch(ctx, this);
  }

  /** Requests refused before any middleware runs (RFC 9112 §3.2, RFC 9110 §10.1.1, §7.8). */
  #refuse(head: RequestHead): Error | null {
    if (head.versionMinor === 1 ? head.hostCount !== 1 : head.hostCount > 1) {
      return this.#host.httpError(400, head.hostCount === 0 ? 'Missing Host header' : 'More than one Host header', 'ERR_MISSING_HOST');
    }
    if (head.expectUnsupported) return this.#host.httpError(417, 'Only Expect: 100-continue is supported', 'ERR_EXPECTATION_FAILED');
    if (head.framing === 'chunked') {
      const te = head.get('transfer-encoding')!.trim().toLowerCase();
      if (te !== 'chunked') return this.#host.httpError(501, `Unsupported transfer coding: ${te}`, 'ERR_UNSUPPORTED_TRANSFER_CODING');
    }
    if (head.upgrade && !this.#host.hasUpgradeListener()) {
      return head.method === 'CONNECT'
        ? this.#host.httpError(501, 'CONNECT is not supported by this server', 'ERR_CONNECT_UNSUPPORTED')
        : this.#host.httpError(426, 'No handler for this Upgrade', 'ERR_UPGRADE_REQUIRED');
    }
    return null;
  }

  #onUpgrade(ev: UpgradeEvent): void {
    const pending = this.#pendingUpgrade;
    this.#stopReading = true;
    if (pending === null) {
      // A refused upgrade: its error response is queued; drop what follows.
      this.#flush();
      return;
    }
    pending.ev = ev;
    this.#maybeHandOver();
  }

  #maybeHandOver(): void {
    const pending = this.#pendingUpgrade;
    if (pending === null || pending.ev === null || this.#queue.length > 0 || this.#streaming) return;
    this.#pendingUpgrade = null;
    const s = this.socket;
    s.removeListener('data', Connection.#onData);
    s.removeAllListeners('end');
    s.removeAllListeners('drain');
    this.#closed = true;
    this.#host.forget(this);
    this.#host.upgrade(pending.ctx, s, pending.ev.remaining);
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.socket.pause();
  }

  /** `bodyRead`: the body's reader asked for more (see bodyWanted), so its fill level does not hold reading back. */
  #resume(bodyRead = false): void {
    if (!this.#paused || this.#closed) return;
    const cur = this.#current;
    if (!bodyRead && cur !== null && cur.ctx.bodySource.full) return;
    if (cur === null && this.#queue.length >= this.#host.maxPipelinedRequests) return;
    if (cur === null && this.socket.writableNeedDrain) return; // 'drain' resumes; see #pump
    this.#paused = false;
    this.socket.resume();
    this.#pump();
  }

  #resumeIfDrained(): void {
    if (this.#paused) this.#resume();
  }

  /** BodyOwner: a handler reads its body. Send `100 Continue` if owed, and read more. */
  bodyWanted(): void {
    const cur = this.#current;
    if (cur !== null && cur.head.expectContinue && !cur.continueSent && !cur.ctx.headerSent) {
      // Responses go out in request order, and an interim response sent before an earlier
      // request's final one would be read as that request's: behind another, it waits (#flush).
      if (this.#queue[0] === cur) this.#sendContinue(cur);
      else cur.continueOwed = true;
    }
    // `_read()` is the reader's request for more, and a Readable calls it only once until
    // something is pushed. It runs inside `read()` before the returned bytes leave the buffer, so
    // the buffer can still look full here; refusing to resume then meant no push ever came and
    // a body larger than bodyHighWaterMark stalled for good. Resume; the next push pauses again
    // if the reader falls behind.
    if (this.#pumping && !this.#paused && cur !== null) {
      // Asked from inside the pump — a handler that reads its body as soon as it is dispatched,
      // while the parser still holds the bytes that came with the head: hand them over now, up
      // to this message's end and no further (the next request waits its turn), so that a body
      // that arrived whole is read without a promise.
      this.#pumpEvents(cur);
      return;
    }
    this.#resume(true);
  }

  #parseError(err: ParseError): void {
    this.#stopReading = true;
    this.#current?.ctx.bodySource.abort(err);
    this.#current = null;
    this.#host.log.debug({ err }, 'request rejected by the parser');
    this.#finalBytes = rawErrorResponse(err.status, err.code, err.reason, this.#closeOpts());
    this.#flush();
  }

  #eof(): void {
    // The client half-closed: answer what it sent, then close (allowHalfOpen keeps writing possible).
    this.#stopReading = true;
    if (this.#current !== null) {
      this.#current.ctx.bodySource.abort(new Error('Client closed the connection mid-request'));
    }
    // A client that closes (a browser tab, a cancelled fetch) sends exactly this FIN, and with
    // allowHalfOpen no 'close' follows until we end our side: a handler waiting on ctx.signal
    // (a long poll) waited forever. As Go's net/http cancels the request context on EOF, tell
    // the handlers still running; what they answer is still written for a half-closed client.
    const gone = new Error('The client closed its side of the connection');
    for (const ex of this.#queue) if (!ex.ready) ex.ctx.abort(gone);
    this.#streamEx?.ex.ctx.abort(gone);
    if (this.#queue.length === 0 && this.#finalBytes === null && !this.#streaming) this.socket.end();
    else {
      const last = this.#queue[this.#queue.length - 1];
      if (last !== undefined) last.close = true;
    }
  }

  // ── writing ─────────────────────────────────────────────────────────────────────────────
  /** Called by the app when an exchange's middleware has finished (or failed). */
  complete(ctx: Context, error: unknown): void {
    const ex = this.#find(ctx);
    if (ex === null) {
      // The client left before this handler finished: nothing will stream its body, so release
      // it now (a file stream holds a descriptor until it is destroyed).
      releaseBody(ctx);
      return;
    }
    this.#inflight--;
    if (error !== null) ex.error = error;
    const body = ctx.response.body;
    // A stream that fails while its response waits its turn (behind a pipelined one) emits 'error'
    // with nobody listening yet, which would crash the process. #render reads `errored` instead.
    if (body instanceof Readable) body.once('error', ignore);
    this.#ready(ex);
  }

  #find(ctx: Context): Exchange | null {
    const q = this.#queue;
    for (let i = 0; i < q.length; i++) if (q[i]!.ctx === ctx) return q[i]!;
    return null;
  }

  #ready(ex: Exchange): void {
    ex.ready = true;
    if (this.#inflight === 0) {
      if (this.#pumping) this.#flushDeferred = true;
      else this.#flush();
    } else if (!this.#flushScheduled && this.#queue[0] === ex) {
      // Let the other pipelined handlers finish first so their responses share this write.
      this.#flushScheduled = true;
      setImmediate(Connection.#flushLater, this);
    }
  }

  #flush(): void {
    // `destroyed` as well as #closed: between a destroy (a stream that failed mid-body) and its
    // 'close' event, a pipelined response that became ready was otherwise started on the dead
    // socket, its handler's stream consumed for nothing and its failure reported as a new error.
    if (this.#streaming || this.#closed || this.socket.destroyed) return;
    const q = this.#queue;
    const s = this.socket;
    // A lone ready response is one write: corking it anyway sent it through the Writable's
    // buffer list (an entry object, then clearBuffer's bookkeeping: ~600 B of garbage per request).
    const cork = q.length > 1 || this.#finalBytes !== null;
    if (cork) s.cork();
    let closeAfter = false;
    // The responses of one batch leave in one write: serialize() gives most as latin1 strings,
    // joined here and written from V8's memory, where a corked write per response cost Writable
    // bookkeeping and a writev slot each. The exchanges are finished only once the batch is
    // written, because #finish can resume reading and so run this method again — which must
    // not write ahead of bytes still held here.
    let text = '';
    let ex0: Exchange | null = null;
    let exs: Exchange[] | null = null;
    while (q.length > 0 && q[0]!.ready) {
      // Shutdown's grace turn: a response that may turn out to be the last waits for it to end.
      if (this.#draining && q.length === 1 && this.#current === null && !this.#stopReading) break;
      const ex = q.shift()!;
      // With a parse error's response still to follow (#finalBytes), this is not the last response:
      // closing after it dropped that error response.
      const last = this.#stopReading && this.#pendingUpgrade === null && q.length === 0 && this.#current === null && this.#finalBytes === null;
      const close = ex.close || last || this.#mustCloseAfter(ex) || handlerCloses(ex.ctx);
      const opts = close ? this.#closeOpts() : this.#host.keepOpts(ex.head.versionMinor === 0);
      const out = this.#render(ex, opts);
      ex.ctx.headerSent = true;
      const isText = typeof out === 'string';
      if (isText || Buffer.isBuffer(out)) {
        if (isText) text += out;
        else {
          if (text !== '') s.write(text, 'latin1');
          text = '';
          s.write(out);
        }
        if (ex0 === null) ex0 = ex;
        else (exs ??= [ex0]).push(ex);
        if (close) {
          closeAfter = true;
          break;
        }
      } else {
        if (text !== '') s.write(text, 'latin1');
        s.write(out.head);
        if (cork) s.uncork();
        this.#finishAll(ex0, exs);
        void this.#stream(ex, out, close);
        return;
      }
    }
    if (text !== '') s.write(text, 'latin1');
    if (!closeAfter && q.length === 0 && this.#finalBytes !== null) {
      s.write(this.#finalBytes);
      this.#finalBytes = null;
      closeAfter = true;
    }
    if (cork) s.uncork();
    this.#finishAll(ex0, exs);
    if (closeAfter) {
      this.#queue.length = 0;
      s.end();
      return;
    }
    // The responses before it are out: a 100 Continue its handler asked for may go now.
    const next = q[0];
    if (next !== undefined && next.continueOwed && !next.continueSent && !next.ctx.headerSent && next === this.#current) this.#sendContinue(next);
    if (q.length === 0 && this.#current === null) {
      this.idleSince = this.#host.now();
      if (this.#pendingUpgrade !== null) this.#maybeHandOver();
      else if (this.#stopReading) s.end();
      else this.#park();
    }
    if (this.#paused) this.#resume();
    if (this.onQuiet !== null) this.#notifyQuiet();
  }

  #sendContinue(ex: Exchange): void {
    ex.continueSent = true;
    this.socket.write(CONTINUE);
  }

  /** Idle with every byte consumed: give the parser back to the pool until bytes come again. */
  #park(): void {
    const p = this.#parser;
    if (p === null || !p.drained) return;
    this.#offset = p.offset;
    this.#parser = null;
    this.#host.parsers.release(p);
    // Already empty, but optimised code's shift() leaves an array its backing store (17 slots,
    // ~150 B per idle connection): a new array costs less than `length = 0`, a runtime call.
    this.#queue = [];
  }

  /** A request whose body is still unread when its response is sent: close, the rest cannot be trusted to follow. */
  #mustCloseAfter(ex: Exchange): boolean {
    return ex.head.expectContinue && !ex.continueSent && !ex.ctx.bodySource.ended;
  }

  #render(ex: Exchange, opts: HeadOptions): string | Buffer | StreamPlan {
    const ctx = ex.ctx;
    if (ex.error !== null) return this.#host.renderError(ctx, ex.error, opts);
    const body = ctx.response.body;
    if (body instanceof Readable && body.errored !== null) {
      // The stream failed before its head was written (a missing file, say): answer with the
      // error instead of a 200 that is then cut short.
      return this.#host.renderError(ctx, body.errored, opts);
    }
    try {
      return serialize(ctx, opts);
    } catch (err) {
      // e.g. JSON.stringify of a cyclic body: still the one error path.
      return serializeError(ctx, this.#host.reportError(err, ctx), opts);
    }
  }

  async #stream(ex: Exchange, plan: StreamPlan, close: boolean): Promise<void> {
    this.#streaming = true;
    // A web ReadableStream is read through a Node Readable: destroying that when the client leaves
    // cancels the stream's reader, where a `for await` pending on the web stream itself would wait
    // for its next chunk forever (and the source's cancel() would never run).
    const source = isWebStream(plan.source) ? Readable.fromWeb(plan.source as never, { objectMode: true, highWaterMark: 1 }) : plan.source;
    this.#streamEx = { ex, source };
    const s = this.socket;
    let failed = false;
    try {
      for await (const piece of source as AsyncIterable<unknown>) {
        if (this.#closed) break;
        const buf = typeof piece === 'string' ? Buffer.from(piece) : (piece as Uint8Array);
        if (buf.length === 0) continue;
        let ok: boolean;
        if (plan.chunked) {
          s.cork();
          s.write(`${buf.length.toString(16)}\r\n`, 'latin1');
          s.write(buf);
          ok = s.write('\r\n', 'latin1');
          s.uncork();
        } else {
          ok = s.write(buf);
        }
        if (!ok && !this.#closed) await drained(s);
      }
      if (plan.chunked && !this.#closed) s.write('0\r\n\r\n', 'latin1');
    } catch (err) {
      failed = true;
      // Headers are gone: the only honest signal left is to cut the connection. A source that
      // ends because the client left — the socket closed, or ctx.signal fired on its FIN and the
      // handler (an SSE feed, say) destroyed the source — fails with a premature close: that is
      // not a server error, so it is not reported (a client leaving must not look like a failure).
      if (this.#closed || ex.ctx.signal.aborted) this.#host.log.debug({ err }, 'stream ended after the client left');
      else this.#host.reportError(err, ex.ctx);
      s.destroy();
    }
    this.#streaming = false;
    this.#streamEx = null;
    if (failed || this.#closed) return;
    this.#finish(ex);
    if (close) {
      this.#queue.length = 0;
      s.end();
      return;
    }
    this.#flush();
  }

  /** #finish for the exchanges a batch wrote: `first` alone, or all of `all`. */
  #finishAll(first: Exchange | null, all: Exchange[] | null): void {
    if (all !== null) for (let i = 0; i < all.length; i++) this.#finish(all[i]!);
    else if (first !== null) this.#finish(first);
  }

  #finish(ex: Exchange): void {
    const ctx = ex.ctx;
    ctx.bodySource.discard();
    if (this.#current === ex && !ctx.bodySource.ended) {
      // The body is still arriving: keep parsing it (and drop it) so the next request can be read.
      this.#resume();
    }
    this.#host.finished(ctx);
  }

  #closeOpts(): HeadOptions {
    return this.#host.closeOpts;
  }

  #onClose(): void {
    this.#closed = true;
    // Reset on release: whatever it held of a request cut short goes now, not with this connection.
    if (this.#parser !== null) this.#host.parsers.release(this.#parser);
    this.#parser = null;
    const err = new Error('Client closed the connection');
    for (const ex of this.#queue) {
      ex.ctx.abort(err);
      ex.ctx.bodySource.abort(err);
      // A finished response waiting its turn will never be written: release its stream (fds).
      if (ex.ready) releaseBody(ex.ctx);
    }
    this.#current?.ctx.bodySource.abort(err);
    this.#queue.length = 0;
    const streaming = this.#streamEx;
    if (streaming !== null) {
      // A source waiting for its next chunk (an SSE feed, say) would otherwise never learn the
      // client left: fire the signal and destroy what can be destroyed.
      streaming.ex.ctx.abort(err);
      const src = streaming.source as { destroy?: (e?: Error) => void };
      if (typeof src.destroy === 'function') src.destroy();
    }
    this.#host.forget(this);
  }
}

/**
 * The handler set `Connection: close` on its response (RFC 9112 §9.6: the server then closes after
 * it). Without this check the header went out while the connection stayed open and went on
 * answering pipelined requests — a response that lies about the connection. The handler's field
 * is removed because the close path writes the one `connection: close` itself.
 */
function handlerCloses(ctx: Context): boolean {
  const h = ctx.response.headers;
  const v = h['connection'];
  if (v === undefined || !/(?:^|,)\s*close\s*(?:,|$)/i.test(Array.isArray(v) ? v.join(',') : v)) return false;
  delete h['connection'];
  return true;
}

/** Destroys (Node) or cancels (web) a stream body that will never be written. */
function releaseBody(ctx: Context): void {
  const body = ctx.response.body as { destroy?: () => void; cancel?: () => Promise<void>; locked?: boolean } | null | undefined;
  if (body === null || typeof body !== 'object') return;
  if (typeof body.destroy === 'function') body.destroy();
  else if (typeof body.cancel === 'function' && body.locked === false) body.cancel().catch(ignore);
}

function isWebStream(v: unknown): v is ReadableStream {
  return !(v instanceof Readable) && typeof (v as ReadableStream).getReader === 'function';
}

function ignore(): void {}

function drained(s: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      s.removeListener('drain', done);
      s.removeListener('close', done);
      resolve();
    };
    s.once('drain', done);
    s.once('close', done);
  });
}
