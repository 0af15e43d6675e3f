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
 * - An exchange completed as an upgrade is the last thing the outbox handles: at its turn (every
 *   response before it written, in the same write as the ones ready with them) nothing of it is
 *   written; the outbox stops and tells its owner, whose socket it no longer writes to.
 */
import type { Socket } from 'node:net';
import { STAGE, kAbort, kDiscard, kFailed, kFinished, type Exchange } from './exchange.js';
import { Framing } from './framing.js';
import { releaseBody } from './body-stream.js';
import { writeContent, type ContentEnd, type ContentSink } from './content-writer.js';
import { Pieces, StreamJob, render } from './render.js';

const CONTINUE = 'HTTP/1.1 100 Continue\r\n\r\n';

/**
 * What the last framed head promised. One for all connections: it is filled and read within one
 * synchronous render, and one per connection was 40 bytes on every idle keep-alive connection.
 */
const framing = new Framing();

/**
 * The queue of every outbox with nothing queued. Never written to: {@link Outbox.add} replaces it
 * with an array of its own. An array per idle connection was 32 B of its heap.
 */
const NONE: Exchange[] = [];

/*
 * Bits of an outbox's flags: one field, since three booleans were 16 B more on every idle
 * connection. ENDED: nothing more is written, the connection ends (or ended). DEFERRED: a flush
 * waits for the pump's end. SCHEDULED: a flush is scheduled for the next turn.
 */
const ENDED = 1;
const DEFERRED = 2;
const SCHEDULED = 4;

/** What the outbox asks of its connection. */
export interface OutboxOwner {
  /** The socket the outbox writes to. */
  readonly socket: Socket;
  /** The `Keep-Alive` field for responses that keep the connection (see EngineHost). */
  readonly keepAliveField: string;
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
  /** `ex`, completed as an upgrade, had its turn: every response before it is written, and the outbox writes no more. */
  upgradeTurn(ex: Exchange): void;
}

/** See the module contract. */
export class Outbox implements ContentSink {
  /* The socket and the keep-alive field are the owner's: a copy here was 16 B per idle connection. */
  readonly #owner: OutboxOwner;
  #queue: Exchange[] = NONE;
  /** Queued exchanges whose handlers still run. */
  #running = 0;
  #refusal: string | null = null;
  /** The exchange whose content is being streamed (already out of the queue), and its source. */
  #streaming: StreamJob | null = null;
  /** {@link ENDED}, {@link DEFERRED}, {@link SCHEDULED}. */
  #flags = 0;
  /** Bytes the socket had completed at the last progress check, and when that changed. */
  #sent = -1;
  #sentAt = 0;

  static #flushLater(o: Outbox): void {
    o.#flags &= ~SCHEDULED;
    o.flush();
  }

  constructor(owner: OutboxOwner) {
    this.#owner = owner;
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
    return this.empty && this.#owner.socket.writableLength === 0;
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
    if (this.#queue === NONE) this.#queue = [ex];
    else this.#queue.push(ex);
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
      if (this.#owner.pumping) this.#flags |= DEFERRED;
      else this.flush();
    } else if ((this.#flags & SCHEDULED) === 0 && this.#queue[0] === ex) {
      // Let the other pipelined handlers finish first so their responses share this write.
      this.#flags |= SCHEDULED;
      setImmediate(Outbox.#flushLater, this);
    }
  }

  /** The flush that {@link ready} deferred while the pump ran, if any. */
  flushDeferred(): void {
    if ((this.#flags & DEFERRED) === 0) return;
    this.#flags &= ~DEFERRED;
    this.flush();
  }

  /** The final answer for a request that never became an exchange; written after every queued one. */
  refuse(response: string): void {
    if ((this.#flags & ENDED) !== 0) return;
    this.#refusal ??= response;
    this.flush();
  }

  /** `100 Continue` for `ex`, now if every response before it is complete, else once they are. */
  continue(ex: Exchange): void {
    if (!ex.expectContinue || ex.continueSent) return;
    if (this.#queue[0] === ex && this.#streaming === null && (this.#flags & ENDED) === 0) {
      ex.continueSent = true;
      this.#owner.socket.write(CONTINUE, 'latin1');
    } else {
      ex.continueOwed = true;
    }
  }

  /** Writes every response whose turn has come. */
  flush(): void {
    if (this.#streaming !== null || (this.#flags & ENDED) !== 0 || this.#owner.socket.destroyed) return;
    const q = this.#queue;
    const s = this.#owner.socket;
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
    let upgrade: Exchange | null = null;
    while (q.length > 0 && q[0]!.stage === STAGE.READY) {
      if (q.length === 1 && owner.holdLast) break;
      const ex = q.shift()!;
      ex.stage = STAGE.DONE;
      if (ex.upgraded) {
        upgrade = ex;
        break;
      }
      const last = q.length === 0 && this.#refusal === null && !owner.expectingMore;
      const out = render(ex, ex.close || last || unreadAfterContinue(ex), owner.keepAliveField, framing);
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
    if (job === null && upgrade === null && !close && q.length === 0 && this.#refusal !== null) {
      text += this.#refusal;
      this.#refusal = null;
      close = true;
    }
    if (text !== '') s.write(text, 'latin1');
    if (cork) s.uncork();
    // Decided before the written exchanges are reported: reporting can resume reading and so run
    // flush() again, which must neither write ahead of a stream nor after the end.
    if (job !== null) this.#streaming = job;
    if (close || upgrade !== null) this.#flags |= ENDED;
    if (all !== null) for (let i = 0; i < all.length; i++) this.#written(all[i]!);
    else if (first !== null) this.#written(first);
    if (job !== null) writeContent(s, job.source, job.mode, job.length, job.progress, this);
    else if (close) this.#end();
    else if (upgrade !== null) owner.upgradeTurn(upgrade);
    else this.#afterFlush();
  }

  /**
   * How long (ms) the socket has held unsent bytes without completing any: 0 while it holds none
   * or makes progress. Read by the engine's sweep for the send timeout.
   */
  stalledFor(now: number): number {
    const s = this.#owner.socket;
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
    return (now - this.#sentAt) | 0;
  }

  /** The socket closed: nothing more is written; every exchange still owed is told and let go. */
  closed(reason: Error): void {
    this.#flags |= ENDED;
    this.#refusal = null;
    this.#dropAll(reason);
    if (this.#streaming !== null) {
      // A source waiting for its next chunk (an SSE feed, say) would otherwise never learn the
      // client left: tell it, and destroy what can be destroyed.
      this.#tellStreaming(reason);
      releaseBody(this.#streaming.progress.source);
      this.#streaming.ex.handler![kDiscard]();
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
    const job = this.#streaming!;
    const h = job.ex.handler!;
    if (job.progress.left === 0) h[kFinished]();
    else h[kAbort](reason);
  }

  /** Ends our side of the connection after what was written (nothing is owed any more). */
  end(): void {
    this.#flags |= ENDED;
    if (!this.#owner.socket.writableEnded) this.#owner.socket.end();
  }

  /**
   * Drops the queue's backing store while idle: optimised code's shift() leaves an emptied array
   * its slots (17, ~150 B per idle connection), and a new array costs less than `length = 0`.
   */
  compact(): void {
    if (this.#queue.length === 0) this.#queue = NONE;
  }

  /** Shutdown began: a response that is streaming may be long-lived (SSE); tell it. */
  shutdown(reason: Error): void {
    this.#streaming?.ex.handler![kAbort](reason);
  }

  /** The streaming job's content ended (see {@link ContentSink}). */
  contentEnded({ failure, cut }: ContentEnd): void {
    const job = this.#streaming!;
    const ex = job.ex;
    const s = this.#owner.socket;
    const gone = s.destroyed;
    if (failure !== null) {
      this.#streaming = null;
      this.#flags |= ENDED;
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
    if (job.close) this.#flags |= ENDED;
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
    this.#flags |= ENDED;
    this.#dropAll(new Error('The connection closed before this request was answered'));
    this.#owner.ending();
    this.#owner.socket.end();
  }

  #dropAll(reason: Error): void {
    const q = this.#queue;
    this.#queue = NONE;
    for (let i = 0; i < q.length; i++) {
      const ex = q[i]!;
      const stage = ex.stage;
      ex.stage = STAGE.DONE;
      ex.handler![kAbort](reason);
      // A handler still running may already hold a body (a stream it set, one it writes through
      // ctx.res): it goes now, not when the handler is done with it.
      ex.handler![kDiscard]();
      if (stage !== STAGE.READY) this.#running--;
    }
  }
}

/** A request whose body is still unread when its response is sent: close, the rest cannot be trusted to follow. */
function unreadAfterContinue(ex: Exchange): boolean {
  return ex.expectContinue && !ex.continueSent && !ex.body.ended;
}
