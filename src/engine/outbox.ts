/**
 * The response side of a connection: the one place that writes to its socket.
 *
 * Contract:
 * - One answer per request, in request order. An exchange is written once it is ready and every
 *   exchange before it is written. A refusal — the answer to a request the parser or a timeout cut
 *   short before it became an exchange — goes after all of them, and the connection closes.
 * - Responses that are ready together leave in one write (most as one joined latin1 string).
 * - The content written is exactly what the head promised (framing.ts). A stream that runs over its
 *   Content-Length is cut there; one that ends short, or fails, cannot finish its message: either
 *   way the connection closes, so no byte of it is ever read as the start of the next response
 *   (RFC 9112 §6.3).
 * - Content larger than {@link SLICE} goes out by reference, a slice at a time with backpressure:
 *   a client that does not read pins a socket buffer of it, not a copy, and the send timeout sees
 *   progress slice by slice (`stalledFor`).
 * - An interim `100 Continue` is written only when every response before its request is complete.
 * - The connection closes after a response whose framing or exchange says so, or after the last
 *   one owed once no more requests will come (the owner says which).
 */
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { Buffer } from 'node:buffer';
import { STAGE, kAbort, kCommitted, kDiscard, kFailed, kFinished, kReply, kReplyError, type Exchange } from './exchange.js';
import { FRAME, Framing, frameHead, type FrameMode, type Reply } from './framing.js';
import { isWebStream, releaseBody, type BodyStream } from './body-stream.js';

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

/** Content over this many bytes is written by reference in slices of this size (see the contract). */
const SLICE = 64 * 1024;
/** Content up to this size is copied behind its head into one buffer: one write, one syscall. */
const COPY_MAX = 16 * 1024;

/**
 * What the last framed head promised. One for all connections: it is filled and read within one
 * synchronous render, and one per connection was 40 bytes on every idle keep-alive connection.
 */
const framing = new Framing();

/** What the outbox asks of its connection. */
export interface OutboxOwner {
  /** Requests may still arrive after those queued: the connection reads, or a request's body is still coming. */
  readonly expectingMore: boolean;
  /** Shutdown's grace turn: the last ready response waits, since it may become the one that says close. */
  readonly holdLast: boolean;
  /** Handlers are running inside the connection's pump: a flush asked for now waits for its end. */
  readonly pumping: boolean;
  /** An exchange was written completely. */
  written(ex: Exchange): void;
  /** A flush ended: `empty` when no response is owed any more. */
  flushed(empty: boolean): void;
  /** The outbox ends the connection after a response: no more requests are to be read. */
  ending(): void;
}

/** A head whose content is written by reference after it. */
class Pieces {
  constructor(
    readonly head: string,
    readonly content: Uint8Array,
  ) {}
}

/** A head whose content is streamed after the batch it belongs to. */
class StreamJob {
  constructor(
    readonly ex: Exchange,
    readonly head: string,
    readonly source: BodyStream | Uint8Array,
    readonly mode: FrameMode,
    readonly length: number,
    readonly close: boolean,
  ) {}
}

/** See the module contract. */
export class Outbox {
  readonly #socket: Socket;
  readonly #owner: OutboxOwner;
  readonly #keepAliveField: string;
  #queue: Exchange[] = [];
  /** Queued exchanges whose handlers still run. */
  #running = 0;
  #refusal: string | null = null;
  /** The exchange whose content is being streamed (already out of the queue), and its source. */
  #streaming: Exchange | null = null;
  #source: unknown = null;
  /** Bytes the streamed content still owes its Content-Length, or -1 when it has none. */
  #left = -1;
  /** Nothing more is written: the connection ends (or ended). */
  #ended = false;
  #deferred = false;
  #scheduled = false;
  /** Bytes the socket had completed at the last progress check, and when that changed. */
  #sent = -1;
  #sentAt = 0;

  static #flushLater(o: Outbox): void {
    o.#scheduled = false;
    o.flush();
  }

  constructor(socket: Socket, owner: OutboxOwner, keepAliveField: string) {
    this.#socket = socket;
    this.#owner = owner;
    this.#keepAliveField = keepAliveField;
  }

  /** Exchanges waiting for their turn (not counting one being streamed). */
  get length(): number {
    return this.#queue.length;
  }

  /** No response owed or being written. */
  get empty(): boolean {
    return this.#queue.length === 0 && this.#refusal === null && this.#streaming === null;
  }

  /** {@link empty}, and every byte written has left the socket's buffer. */
  get idle(): boolean {
    return this.empty && this.#socket.writableLength === 0;
  }

  /** A response's content is being streamed. */
  get streaming(): boolean {
    return this.#streaming !== null;
  }

  /** Whether a queued exchange other than `except` still has its handler running. */
  running(except: Exchange | null): boolean {
    const q = this.#queue;
    for (let i = 0; i < q.length; i++) if (q[i]!.stage === STAGE.RUNNING && q[i] !== except) return true;
    return false;
  }

  /** Takes a request that was read: its answer has a place in the order now. */
  add(ex: Exchange): void {
    this.#queue.push(ex);
    this.#running++;
  }

  /** Its handler finished: write it (and whatever became writable with it) now, or once the pump ends. */
  ready(ex: Exchange): void {
    if (ex.stage === STAGE.DONE) {
      // Dropped while its handler ran (the connection closed): its body will never be written.
      ex.handler![kDiscard]();
      return;
    }
    ex.stage = STAGE.READY;
    this.#running--;
    if (this.#running === 0) {
      if (this.#owner.pumping) this.#deferred = true;
      else this.flush();
    } else if (!this.#scheduled && this.#queue[0] === ex) {
      // Let the other pipelined handlers finish first so their responses share this write.
      this.#scheduled = true;
      setImmediate(Outbox.#flushLater, this);
    }
  }

  /** The flush that {@link ready} deferred while the pump ran, if any. */
  flushDeferred(): void {
    if (!this.#deferred) return;
    this.#deferred = false;
    this.flush();
  }

  /** The final answer for a request that never became an exchange; written after every queued one. */
  refuse(response: string): void {
    if (this.#ended) return;
    this.#refusal ??= response;
    this.flush();
  }

  /** `100 Continue` for `ex`, now if every response before it is complete, else once they are. */
  continue(ex: Exchange): void {
    if (!ex.expectContinue || ex.continueSent) return;
    if (this.#queue[0] === ex && this.#streaming === null && !this.#ended) {
      ex.continueSent = true;
      this.#socket.write(CONTINUE, 'latin1');
    } else {
      ex.continueOwed = true;
    }
  }

  /** Writes every response whose turn has come. */
  flush(): void {
    if (this.#streaming !== null || this.#ended || this.#socket.destroyed) return;
    const q = this.#queue;
    const s = this.#socket;
    const owner = this.#owner;
    // A lone ready response is one write: corking it anyway sent it through the Writable's
    // buffer list (an entry object, then clearBuffer's bookkeeping: ~600 B of garbage per request).
    const cork = q.length > 1 || this.#refusal !== null;
    if (cork) s.cork();
    let text = '';
    let first: Exchange | null = null;
    let all: Exchange[] | null = null;
    let close = false;
    let job: StreamJob | null = null;
    while (q.length > 0 && q[0]!.stage === STAGE.READY) {
      if (q.length === 1 && owner.holdLast) break;
      const ex = q.shift()!;
      ex.stage = STAGE.DONE;
      const last = q.length === 0 && this.#refusal === null && !owner.expectingMore;
      const out = this.#render(ex, ex.close || last || unreadAfterContinue(ex));
      if (out instanceof StreamJob) {
        text += out.head;
        job = out;
        break;
      }
      if (typeof out === 'string') text += out;
      else {
        if (text !== '') s.write(text, 'latin1');
        text = '';
        if (out instanceof Pieces) {
          s.write(out.head, 'latin1');
          s.write(out.content);
        } else {
          s.write(out);
        }
      }
      if (first === null) first = ex;
      else (all ??= [first]).push(ex);
      if (framing.close) {
        close = true;
        break;
      }
    }
    if (job === null && !close && q.length === 0 && this.#refusal !== null) {
      text += this.#refusal;
      this.#refusal = null;
      close = true;
    }
    if (text !== '') s.write(text, 'latin1');
    if (cork) s.uncork();
    // Decided before the written exchanges are reported: reporting can resume reading and so run
    // flush() again, which must neither write ahead of a stream nor after the end.
    if (job !== null) this.#streaming = job.ex;
    if (close) this.#ended = true;
    if (all !== null) for (let i = 0; i < all.length; i++) this.#written(all[i]!);
    else if (first !== null) this.#written(first);
    if (job !== null) void this.#stream(job);
    else if (close) this.#end();
    else this.#afterFlush();
  }

  /**
   * How long (ms) the socket has held unsent bytes without completing any: 0 while it holds none
   * or makes progress. Read by the engine's sweep for the send timeout.
   */
  stalledFor(now: number): number {
    const s = this.#socket;
    const pending = s.writableLength;
    if (pending === 0) {
      this.#sent = -1;
      return 0;
    }
    // `bytesWritten` counts bytes handed to the socket, `writableLength` those not yet completed.
    const sent = s.bytesWritten - pending;
    if (sent !== this.#sent) {
      this.#sent = sent;
      this.#sentAt = now;
      return 0;
    }
    return now - this.#sentAt;
  }

  /** The socket closed: nothing more is written; every exchange still owed is told and let go. */
  closed(reason: Error): void {
    this.#ended = true;
    this.#refusal = null;
    this.#dropAll(reason);
    if (this.#streaming !== null) {
      // A source waiting for its next chunk (an SSE feed, say) would otherwise never learn the
      // client left: tell it, and destroy what can be destroyed.
      this.#tellStreaming(reason);
      releaseBody(this.#source);
    }
  }

  /** The client half-closed: the handlers still running, and a response being streamed, are told. */
  clientLeft(reason: Error): void {
    const q = this.#queue;
    for (let i = 0; i < q.length; i++) if (q[i]!.stage === STAGE.RUNNING) q[i]!.handler![kAbort](reason);
    if (this.#streaming !== null) this.#tellStreaming(reason);
  }

  /**
   * The client left while a response streamed. If every byte its Content-Length promised was
   * written, the client had the whole response (and may well have left because of it), whatever
   * the source still had to say: it finished. Otherwise it was cut short.
   */
  #tellStreaming(reason: Error): void {
    const h = this.#streaming!.handler!;
    if (this.#left === 0) h[kFinished]();
    else h[kAbort](reason);
  }

  /** Ends our side of the connection after what was written (nothing is owed any more). */
  end(): void {
    this.#ended = true;
    if (!this.#socket.writableEnded) this.#socket.end();
  }

  /**
   * Drops the queue's backing store while idle: optimised code's shift() leaves an emptied array
   * its slots (17, ~150 B per idle connection), and a new array costs less than `length = 0`.
   */
  compact(): void {
    if (this.#queue.length === 0) this.#queue = [];
  }

  /** Shutdown began: a response that is streaming may be long-lived (SSE); tell it. */
  shutdown(reason: Error): void {
    this.#streaming?.handler![kAbort](reason);
  }

  #render(ex: Exchange, close: boolean): string | Buffer | Pieces | StreamJob {
    const h = ex.handler!;
    const f = framing;
    let r: Reply;
    if (ex.error !== null) r = h[kReplyError](ex.error);
    else {
      try {
        r = h[kReply]();
      } catch (err) {
        // e.g. JSON.stringify of a cyclic body, or a stream that failed before its head: still the one error path.
        r = h[kReplyError](err);
      }
    }
    let head: string;
    try {
      head = frameHead(ex, r, close, this.#keepAliveField, f);
    } catch (err) {
      releaseBody(r.stream);
      r = h[kReplyError](err);
      head = frameHead(ex, r, close, this.#keepAliveField, f);
    }
    h[kCommitted]();
    if (f.mode === FRAME.NONE) {
      releaseBody(r.stream);
      return head;
    }
    if (r.stream !== null) return new StreamJob(ex, head, r.stream, f.mode, f.length, f.close);
    const p = r.payload;
    if (p === null) return head;
    if (typeof p === 'string') {
      const len = r.length;
      // An ASCII payload (its UTF-8 length is its length) is latin1 too: the response stays a
      // string, which the socket writes straight from V8's memory and which joins the other
      // responses of a pipelined batch by plain concatenation.
      if (len === p.length && len <= SLICE) return head + p;
      if (len > COPY_MAX) return new StreamJob(ex, head, Buffer.from(p, 'utf8'), f.mode, f.length, f.close);
      const out = Buffer.allocUnsafe(head.length + len);
      out.write(head, 0, 'latin1');
      out.write(p, head.length, 'utf8');
      return out;
    }
    if (p.byteLength > SLICE) return new StreamJob(ex, head, p, f.mode, f.length, f.close);
    if (p.byteLength > COPY_MAX) return new Pieces(head, p);
    // One allocation for head and content: the common response leaves in a single write.
    const out = Buffer.allocUnsafe(head.length + p.byteLength);
    out.write(head, 0, 'latin1');
    out.set(p, head.length);
    return out;
  }

  async #stream(job: StreamJob): Promise<void> {
    const ex = job.ex;
    const s = this.#socket;
    // A web ReadableStream is read through a Node Readable: destroying that when the client leaves
    // cancels the stream's reader, where a `for await` pending on the web stream itself would wait
    // for its next chunk forever (and the source's cancel() would never run).
    const src = job.source instanceof Uint8Array ? slices(job.source) : isWebStream(job.source) ? Readable.fromWeb(job.source as never, { objectMode: true, highWaterMark: 1 }) : job.source;
    this.#source = src;
    const chunked = job.mode === FRAME.CHUNKED;
    let left = (this.#left = job.mode === FRAME.LENGTH ? job.length : -1);
    let failure: unknown = null;
    /** The content stopped where its framing did not (over or short), but what was written is intact. */
    let cut = false;
    try {
      for await (const piece of src as AsyncIterable<unknown>) {
        if (s.destroyed) break;
        let buf: Uint8Array;
        if (typeof piece === 'string') buf = Buffer.from(piece, 'utf8');
        else if (piece instanceof Uint8Array) buf = piece;
        else throw new TypeError(`A response body stream yielded ${typeof piece}: only strings and bytes can be sent`);
        if (buf.byteLength === 0) continue;
        if (left >= 0 && buf.byteLength > left) {
          if (left > 0) s.write(buf.subarray(0, left));
          left = 0;
          failure = new Error(`The response body ran over its Content-Length of ${job.length} bytes; the connection was closed after them`);
          cut = true;
          break;
        }
        if (left > 0) left = this.#left -= buf.byteLength;
        // A large piece goes out a slice at a time, as large content does (see the contract); the
        // chunk's size line leaves in one write with its first slice.
        const n = buf.byteLength;
        if (chunked) {
          s.cork();
          s.write(`${n.toString(16)}\r\n`, 'latin1');
        }
        for (let o = 0; o < n && !s.destroyed; ) {
          const end = Math.min(o + SLICE, n);
          let ok = s.write(o === 0 && end === n ? buf : buf.subarray(o, end));
          if (chunked && end === n) ok = s.write('\r\n', 'latin1');
          if (chunked && o === 0) s.uncork();
          o = end;
          if (!ok && !s.destroyed) await drained(s);
        }
      }
      if (failure === null && !s.destroyed) {
        if (left > 0) {
          failure = new Error(`The response body ended ${left} bytes short of its Content-Length of ${job.length}; the connection was closed`);
          cut = true;
        } else if (chunked) s.write('0\r\n\r\n', 'latin1');
      }
    } catch (err) {
      failure = err;
    }
    this.#source = null;
    this.#left = -1;
    const gone = s.destroyed;
    if (failure !== null) {
      this.#streaming = null;
      this.#ended = true;
      ex.handler![kFailed](failure, gone);
      // The head is gone: the only honest signal left is to cut the connection. Content that only
      // missed its promised length is intact up to where it stops, so that much is flushed first.
      if (cut) this.#end();
      else {
        this.#dropAll(new Error('The connection was closed after a response body failed'));
        s.destroy();
      }
      return;
    }
    if (gone) return;
    this.#streaming = null;
    if (job.close) this.#ended = true;
    this.#written(ex);
    if (job.close) this.#end();
    else this.flush();
  }

  #written(ex: Exchange): void {
    ex.handler![kFinished]();
    this.#owner.written(ex);
  }

  #afterFlush(): void {
    const next = this.#queue[0];
    // The responses before it are out: a 100 Continue its handler asked for may go now.
    if (next !== undefined && next.continueOwed && !next.body.ended) this.continue(next);
    this.#owner.flushed(this.#queue.length === 0);
  }

  /** Ends the connection after what was written; whatever is still queued will never be answered. */
  #end(): void {
    this.#ended = true;
    this.#dropAll(new Error('The connection closed before this request was answered'));
    this.#owner.ending();
    this.#socket.end();
  }

  #dropAll(reason: Error): void {
    const q = this.#queue;
    this.#queue = [];
    for (let i = 0; i < q.length; i++) {
      const ex = q[i]!;
      const stage = ex.stage;
      ex.stage = STAGE.DONE;
      ex.handler![kAbort](reason);
      if (stage === STAGE.READY) ex.handler![kDiscard]();
      else this.#running--;
    }
  }
}

/** A request whose body is still unread when its response is sent: close, the rest cannot be trusted to follow. */
function unreadAfterContinue(ex: Exchange): boolean {
  return ex.expectContinue && !ex.continueSent && !ex.body.ended;
}

function* slices(b: Uint8Array): Generator<Uint8Array> {
  for (let o = 0; o < b.byteLength; o += SLICE) yield b.subarray(o, o + SLICE);
}

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
