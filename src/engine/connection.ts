/**
 * One connection's reading side: bytes in → parser → exchanges, handed to the http room. What goes
 * back out is the {@link Outbox}'s business; this module decides what is read, and when to stop.
 *
 * Contract:
 * - The connection is always in one {@link Phase}; every way of stopping (a request that closes,
 *   a parse error, a timeout, the client's EOF, the outbox ending after a response, shutdown, an
 *   upgrade) is a move to `closing` or beyond, never a flag beside it.
 * - Requests are dispatched as soon as their head is parsed (pipelined ones run concurrently); the
 *   outbox answers them strictly in order.
 * - Reading stops (socket paused, parser not pulled) while too many requests wait for their
 *   response, a handler has not read its buffered body, or the client is not reading the responses.
 * - Every request gets exactly one answer. A failure while a request is being read belongs to that
 *   request: if its head was parsed it is an exchange, whose handler learns the failure from its
 *   body and gives the one answer; if not, the engine answers it (a refusal, after every answer
 *   owed before it). Nothing more is read after it, and the connection closes once all is answered.
 * - `shutdown()` answers what was received (the last response says `Connection: close`) and closes.
 * - Upgrades (the parser stops after an upgrade request; the bytes after its head belong to the
 *   next protocol, and are kept with the `upgrade` event's `remaining` until the hand-over):
 *   - A WebSocket upgrade the app routes (`host.routesUpgrade(head)`: a GET with
 *     `Upgrade: websocket` to an app with WebSocket routes) is dispatched like any request and
 *     joins the outbox in order. If its handler completes it as an upgrade, then when its turn
 *     comes (every response before it written) the connection stops reading, releases the parser
 *     and hands the socket and those bytes to the handler. If the handler answers instead (a 401,
 *     a 404), that response is written and the connection closes after it: what follows an
 *     upgrade request is not HTTP. Never both: the exchange completes once.
 *   - Any other upgrade (or CONNECT) goes, after every response before it, to the app's `upgrade`
 *     listeners without running the stack; with none it is refused (426, or 501 for CONNECT).
 */
import type { Socket } from 'node:net';
import { Buffer } from 'node:buffer';
import type { RequestParser } from '../parser/parser.js';
import { ParseError } from '../parser/errors.js';
import type { RequestHead, UpgradeEvent } from '../parser/events.js';
import { BodySource, type BodyOwner } from './body-source.js';
import { Exchange, STAGE, kAbort, kSocketError, type ExchangeOwner } from './exchange.js';
import { Outbox, type OutboxOwner } from './outbox.js';
import type { EngineHost } from './host.js';
import { refusalOf } from './refuse.js';

/**
 * Where a connection is in its life.
 * - `reading`: requests are read.
 * - `draining`: shutdown began; reading goes on for one loop turn (requests the client sent before
 *   it may still sit in the socket's receive buffer) and the last ready response waits, since it
 *   may become the one that says `Connection: close`.
 * - `closing`: no new request is read (the body of the one being read still is, to its end); the
 *   connection closes once every answer owed is written.
 * - `upgraded`: the socket was handed to an upgrade listener.
 * - `closed`: the socket closed.
 */
export type Phase = 'reading' | 'draining' | 'closing' | 'upgraded' | 'closed';

const kConnection = Symbol('shallot.connection');

/*
 * Bits of a connection's flags (one field for both: each boolean field is 8 B on every idle
 * connection). PAUSED: the socket is paused (see the module contract). PUMPING: handlers run
 * inside the pump, so flushes wait for its end.
 */
const PAUSED = 1;
const PUMPING = 2;

/** A socket tagged with the connection that drives it. */
interface OwnedSocket extends Socket {
  [kConnection]?: Connection;
}

function owner(socket: Socket): Connection {
  return (socket as OwnedSocket)[kConnection]!;
}

/** The reason a body's reader sees when the client went away mid-body (Node's IncomingMessage uses the same). */
function aborted(): Error {
  return Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
}

/** An upgrade request waiting for the responses before it: its `upgrade` event and the bytes that arrived since. */
interface PendingUpgrade {
  ex: Exchange;
  ev: UpgradeEvent | null;
  more: Buffer[] | null;
  /** The stack answers it (see the module contract); else the `upgrade` listeners take it. */
  routed: boolean;
  /** Routed: the outbox reached it, completed as an upgrade, with every response before it written. */
  turn: boolean;
}

/** Drives one socket; see the module contract. */
export class Connection implements BodyOwner, ExchangeOwner, OutboxOwner {
  readonly socket: Socket;
  readonly #host: EngineHost;
  readonly #out: Outbox;
  /**
   * Null while the connection is idle with every byte consumed: the parser went back to the
   * engine's pool (see parser-pool.ts), and #offset keeps the stream offset for the next one.
   */
  #parser: RequestParser | null;
  #offset = 0;
  #phase: Phase = 'reading';
  /** The exchange whose request is being read (its body may still be arriving). */
  #current: Exchange | null = null;
  /** {@link PAUSED}, {@link PUMPING}. */
  #flags = 0;
  #requests = 0;
  #upgrade: PendingUpgrade | null = null;
  /** What the socket failed with, if it did (told to the handlers when it closes). */
  #socketError: Error | null = null;
  /**
   * `app.inject()`'s hook: called when every request received so far is answered or waits only
   * for input that has not come. Its client sends EOF only then, because an EOF is how a real
   * client says it left (see #eof), which must not abort handlers of a complete in-memory request.
   */
  onQuiet: (() => void) | null = null;
  /** Coarse timestamps (ms) read by the server's sweep; 0 = not running. */
  requestStart = 0;
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
    const c = owner(this);
    c.#host.log.debug({ err }, 'socket error');
    (err as { [kSocketError]?: boolean })[kSocketError] = true;
    c.#socketError = err;
  }

  static #onCloseEvent(this: Socket): void {
    owner(this).#onClose();
  }

  static #onDrain(this: Socket): void {
    const c = owner(this);
    if ((c.#flags & PAUSED) !== 0) c.#resume();
  }

  constructor(host: EngineHost, socket: Socket) {
    this.#host = host;
    this.socket = socket;
    this.#out = new Outbox(this);
    this.#parser = host.parsers.acquire(0);
    this.idleSince = host.now();
    (socket as OwnedSocket)[kConnection] = this;
    if (socket.allowHalfOpen) dropNodeEndListener(socket);
    socket.on('data', Connection.#onData);
    socket.on('end', Connection.#onEnd);
    socket.on('error', Connection.#onError);
    socket.on('close', Connection.#onCloseEvent);
    socket.on('drain', Connection.#onDrain);
  }

  /**
   * While {@link requestStart} is set: the request's head was parsed (its body may still be coming).
   * A request being timed either has no exchange yet or is the current one.
   */
  get headDone(): boolean {
    return this.#current !== null;
  }

  /** True when nothing is in progress: no answer owed or unsent, no partial request. */
  get idle(): boolean {
    return this.#out.idle && this.#current === null && (this.#parser === null || this.#parser.idle);
  }

  /** How long (ms) the client has not taken bytes written to it; see {@link Outbox.stalledFor}. */
  stalledFor(now: number): number {
    return this.#out.stalledFor(now);
  }

  /** Graceful close: answer what was received (reading on for one grace turn), then close. */
  shutdown(): void {
    if (this.#phase !== 'reading') return;
    this.#phase = 'draining';
    // Requests a client sent before close() may still sit unread in the socket's receive buffer,
    // and are owed answers like the rest: keep reading for one full loop turn, poll phase
    // included, so they are read; meanwhile the outbox holds back the last ready response, which
    // is the one that will say `Connection: close`.
    setImmediate(() => setImmediate(() => this.#graceOver()));
  }

  #graceOver(): void {
    if (this.#phase !== 'draining') return;
    this.#phase = 'closing';
    // A response that is still streaming may be long-lived (an SSE feed): tell it the server is closing.
    this.#out.shutdown(this.#host.httpError('ERR_SERVER_CLOSING', 'The server is shutting down'));
    // A request whose body is still arriving is in flight: read it to its end, then stop.
    if (this.#current !== null) this.#current.close = true;
    this.#out.flush();
    this.#endIfDone();
  }

  /** A timeout from the server's sweep: the request being read failed with 408. */
  timeout(): void {
    if (this.#phase === 'closed' || this.#phase === 'upgraded') return;
    const err = this.#host.httpError('ERR_REQUEST_TIMEOUT', 'The request was not received in time');
    const cur = this.#current;
    if (cur !== null && cur.stage !== STAGE.DONE) cur.handler![kAbort](err);
    this.#fail(err);
  }

  // ── reading ─────────────────────────────────────────────────────────────────────────────
  #data(chunk: Buffer): void {
    const up = this.#upgrade;
    if (up !== null && up.ev !== null) {
      // Bytes after an upgrade request belong to the new protocol: they go to the listener with the rest.
      (up.more ??= []).push(chunk);
      return;
    }
    const phase = this.#phase;
    // Closing: bytes after the last request are read and dropped, so the client's data never meets
    // a closed socket (which would answer it with a reset that can take our last response with it).
    if (phase !== 'reading' && phase !== 'draining' && this.#current === null) return;
    if (this.requestStart === 0) {
      this.requestStart = this.#host.now();
    }
    (this.#parser ??= this.#host.parsers.acquire(this.#offset)).push(chunk);
    this.#pump();
    if (this.onQuiet !== null) this.#notifyQuiet();
  }

  /** No handler still running except for a request whose bytes are still to come; see onQuiet. */
  #notifyQuiet(): void {
    if ((this.#flags & PAUSED) !== 0 || this.#phase === 'closed' || this.#out.streaming) return;
    if (this.#out.running(this.#current)) return;
    this.onQuiet!();
  }

  /**
   * Pulls and handles parser events. A handler that finishes synchronously completes inside this
   * loop: its flush is deferred to the end of the outermost pump, so that the responses to
   * pipelined requests read in one go still leave in one write.
   */
  #pump(): void {
    const outer = (this.#flags & PUMPING) === 0;
    this.#flags |= PUMPING;
    try {
      this.#pumpEvents(null);
    } finally {
      if (outer) this.#flags &= ~PUMPING;
    }
    if (outer) {
      this.#current?.body.settle();
      this.#out.flushDeferred();
    }
  }

  /** Whether the parser may be pulled: a new request may be read, or the current one's body is still coming. */
  #reading(): boolean {
    const p = this.#phase;
    return p === 'reading' || p === 'draining' || (p === 'closing' && this.#current !== null);
  }

  /** `until`: stop once that exchange is no longer the one being read (its `end` was handled). */
  #pumpEvents(until: Exchange | null): void {
    const parser = this.#parser;
    if (parser === null) return;
    // `this.#parser === parser`: a handler run from here cannot park the parser (it is never
    // drained while a request is current), but the loop does not bet on that.
    while (
      (this.#flags & PAUSED) === 0 &&
      this.#reading() &&
      this.#parser === parser &&
      (until === null || this.#current === until)
    ) {
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
        if (!(err instanceof ParseError)) throw err;
        this.#host.log.debug({ err }, 'request rejected by the parser');
        this.#fail(Object.assign(this.#host.httpError(err.code, err.reason), { cause: err }));
        return;
      }
      switch (ev.kind) {
        case 'need-data':
          if (this.requestStart === 0 && this.#current === null && !parser.idle) {
            // Part of a next head arrived with (behind) the previous request, whose `end` reset the
            // clock: start it for this one, or a stalled head would escape headersTimeout forever.
            this.requestStart = this.#host.now();
          }
          if (this.#current === null && this.#out.length === 0) this.#park();
          return;
        case 'head':
          this.#onHead(ev);
          break;
        case 'body': {
          const body = this.#current!.body;
          body.push(ev.data);
          if (body.full) this.#pause();
          break;
        }
        case 'end': {
          const ex = this.#current!;
          ex.body.end(ev.trailers);
          this.#current = null;
          this.requestStart = 0;
          // The last request of the connection: stop here, once its body is complete (not at its
          // head, or a handler reading the body would never see the end). An upgrade request
          // keeps the parser going one step further, to hand over the rest; and it is never held
          // back by pipelining backpressure, since a routed one waits in the outbox for that step.
          if (ex.head.upgrade) continue;
          if (ex.close) {
            this.#closing();
            this.#endIfDone();
          }
          // Pipelining backpressure applies between messages, never at a head: that would withhold
          // the message's own body and end from its handler, which (with maxPipelinedRequests 1,
          // or a full queue) would then wait forever.
          else if (this.#out.length >= this.#host.maxPipelinedRequests) this.#pause();
          break;
        }
        case 'upgrade':
          this.#onUpgrade(ev);
          return;
      }
    }
  }

  #onHead(head: RequestHead): void {
    const host = this.#host;
    const ex = new Exchange(head, new BodySource(this, host.bodyHighWaterMark), this);
    host.attach(ex, this.socket);
    this.#current = ex;
    this.#requests++;
    // Not `host.closing`: during shutdown the last request is chosen when the grace ends (see
    // shutdown()), so requests read in the grace, pipelined ones included, are all answered.
    if (!head.keepAlive || (host.maxRequestsPerSocket > 0 && this.#requests >= host.maxRequestsPerSocket)) {
      // Reading stops at this message's `end` (see #pumpEvents), not here: its body must still arrive.
      ex.close = true;
    }
    // Read only for an upgrade request: the hot path pays one boolean test.
    const routed = head.upgrade && host.routesUpgrade(head);
    const refusal = refusalOf(head, host, routed);
    if (refusal !== null) {
      // Answered without reading its body, which may not even be delimited: nothing more is read.
      ex.close = true;
      this.#current = null;
      this.requestStart = 0;
      this.#closing();
      this.#out.add(ex);
      ex.complete(refusal);
      return;
    }
    if (routed) {
      // The stack answers it; the parser stops after this message, and nothing after it is HTTP.
      ex.upgradable = true;
      ex.close = true;
      this.#upgrade = { ex, ev: null, more: null, routed: true, turn: false };
    } else if (head.upgrade) {
      // The parser stops after this message; whoever listens for 'upgrade' takes the socket.
      this.#upgrade = { ex, ev: null, more: null, routed: false, turn: false };
      return;
    }
    this.#out.add(ex);
    host.dispatch(ex);
  }

  #onUpgrade(ev: UpgradeEvent): void {
    const up = this.#upgrade;
    this.#closing();
    if (up === null) return;
    up.ev = ev;
    this.#handOver();
  }

  /**
   * Hands the socket over once every response before the upgrade is written and the parser
   * reached the end of the upgrade request: to the upgrade listener, or (routed) to the handler
   * that completed the exchange as an upgrade, once the outbox reached it.
   */
  #handOver(): void {
    const up = this.#upgrade;
    if (up === null || up.ev === null || (up.routed ? !up.turn : !this.#out.empty)) return;
    this.#upgrade = null;
    this.#phase = 'upgraded';
    const s = this.socket;
    s.removeListener('data', Connection.#onData);
    s.removeListener('end', Connection.#onEnd);
    s.removeListener('drain', Connection.#onDrain);
    if (this.#parser !== null) this.#host.parsers.release(this.#parser);
    this.#parser = null;
    this.#host.forget(this);
    const rest = up.more === null ? up.ev.remaining : Buffer.concat([up.ev.remaining, ...up.more]);
    this.#host.upgrade(up.ex, s, rest);
  }

  /**
   * The request being read failed: a parse error or a timeout (`err` carries the status and code
   * to answer with). See the module contract: its exchange answers, or the engine does.
   */
  #fail(err: Error & { status: number; code: string }): void {
    const cur = this.#current;
    this.#current = null;
    this.requestStart = 0;
    this.#closing();
    const up = this.#upgrade;
    if (cur !== null && up !== null && up.ex === cur) this.#upgrade = null;
    if (cur !== null && (up === null || up.ex !== cur || up.routed)) {
      cur.close = true;
      cur.body.abort(err);
      // Its answer may already be out (given before its body arrived): then there is nothing to add.
      this.#endIfDone();
      return;
    }
    this.#out.refuse(this.#host.refusal(err, this.#parser?.method === 'HEAD'));
  }

  /** No new request will be read. */
  #closing(): void {
    if (this.#phase === 'reading' || this.#phase === 'draining') this.#phase = 'closing';
  }

  /** In `closing` with nothing left to read or answer: end our side. */
  #endIfDone(): void {
    if (this.#phase === 'closing' && this.#current === null && this.#upgrade === null && this.#out.empty)
      this.#out.end();
  }

  #pause(): void {
    if ((this.#flags & PAUSED) !== 0) return;
    this.#flags |= PAUSED;
    this.socket.pause();
  }

  /** `bodyRead`: the body's reader asked for more (see bodyWanted), so its fill level does not hold reading back. */
  #resume(bodyRead = false): void {
    if ((this.#flags & PAUSED) === 0 || this.#phase === 'closed' || this.#phase === 'upgraded') return;
    const cur = this.#current;
    if (!bodyRead && cur !== null && cur.body.full) return;
    if (cur === null && this.#out.length >= this.#host.maxPipelinedRequests) return;
    if (cur === null && this.socket.writableNeedDrain) return; // 'drain' resumes; see #pumpEvents
    this.#flags &= ~PAUSED;
    this.socket.resume();
    this.#pump();
    // Reading was held back, so inject's client may be waiting for quiet to send its EOF.
    if (this.onQuiet !== null) this.#notifyQuiet();
  }

  /** BodyOwner: a handler reads its body. Send `100 Continue` if owed, and read more. */
  bodyWanted(body: BodySource): void {
    const cur = this.#current;
    if (cur === null || cur.body !== body) return;
    this.#out.continue(cur);
    // `_read()` is the reader's request for more, and a Readable calls it only once until
    // something is pushed. It runs inside `read()` before the returned bytes leave the buffer, so
    // the buffer can still look full here; not resuming then would leave the reader waiting for a
    // push that never comes (any body larger than bodyHighWaterMark). Resume; the next push pauses
    // again if the reader falls behind.
    if ((this.#flags & PUMPING) !== 0 && (this.#flags & PAUSED) === 0) {
      // Asked from inside the pump — a handler that reads its body as soon as it is dispatched,
      // while the parser still holds the bytes that came with the head: hand them over now, up
      // to this message's end and no further (the next request waits its turn), so that a body
      // that arrived whole is read without a promise.
      this.#pumpEvents(cur);
      return;
    }
    this.#resume(true);
  }

  #eof(): void {
    // The client half-closed: answer what it sent, then close (allowHalfOpen keeps writing possible).
    this.#closing();
    const cur = this.#current;
    if (cur !== null) {
      this.#current = null;
      this.requestStart = 0;
      cur.close = true;
      // The client may still read (it half-closed): its answer can say what went wrong.
      cur.body.abort(this.#host.httpError('ERR_BODY_ABORTED', 'The request body ended before it was complete'));
      if (this.#upgrade?.ex === cur) this.#upgrade = null;
    }
    // A client that closes (a browser tab, a cancelled fetch) sends exactly this FIN, and with
    // allowHalfOpen no 'close' follows until we end our side: a handler waiting on ctx.signal (a
    // long poll) must hear it now. As Go's net/http cancels the request context on EOF, the
    // handlers still running are told; what they answer is still written for a half-closed client.
    this.#out.clientLeft(new Error('The client closed its side of the connection'));
    this.#endIfDone();
  }

  // ── OutboxOwner and ExchangeOwner ───────────────────────────────────────────────────────
  get expectingMore(): boolean {
    return this.#phase === 'reading' || this.#phase === 'draining' || this.#current !== null || this.#upgrade !== null;
  }

  get holdLast(): boolean {
    return this.#phase === 'draining' && this.#current === null;
  }

  get pumping(): boolean {
    return (this.#flags & PUMPING) !== 0;
  }

  get keepAliveField(): string {
    return this.#host.keepAliveField;
  }

  ready(ex: Exchange): void {
    this.#out.ready(ex);
  }

  upgradeTurn(ex: Exchange): void {
    const up = this.#upgrade;
    if (up === null || up.ex !== ex) {
      // The request failed or the client left after the handler accepted: nothing to hand over.
      ex.handler![kAbort](new Error('The connection ended before the upgrade'));
      this.#out.end();
      return;
    }
    up.turn = true;
    this.#handOver();
  }

  written(ex: Exchange): void {
    // A routed upgrade request answered with a response: its connection closes after it.
    if (this.#upgrade !== null && this.#upgrade.ex === ex) this.#upgrade = null;
    ex.body.discard();
    // The body is still arriving: keep parsing it (and drop it) so the next request can be read.
    if (this.#current === ex && !ex.body.ended) this.#resume();
  }

  flushed(empty: boolean): void {
    if (empty && this.#current === null) {
      this.idleSince = this.#host.now();
      if (this.#upgrade !== null) this.#handOver();
      else if (this.#phase === 'closing') this.#endIfDone();
      else this.#park();
    }
    if ((this.#flags & PAUSED) !== 0) this.#resume();
    if (this.onQuiet !== null) this.#notifyQuiet();
  }

  ending(): void {
    this.#closing();
    const cur = this.#current;
    if (cur !== null) {
      // Its answer went out and the connection ends: the rest of its body is read and dropped.
      this.#current = null;
      cur.body.abort(aborted());
    }
    this.requestStart = 0;
    if ((this.#flags & PAUSED) !== 0) {
      this.#flags &= ~PAUSED;
      this.socket.resume();
    }
  }

  /** Idle with every byte consumed: give the parser back to the pool until bytes come again. */
  #park(): void {
    const p = this.#parser;
    if (p === null || !p.drained) return;
    this.#offset = p.offset;
    this.#parser = null;
    this.#host.parsers.release(p);
    this.#out.compact();
  }

  #onClose(): void {
    const wasUpgraded = this.#phase === 'upgraded';
    this.#phase = 'closed';
    // Reset on release: whatever it held of a request cut short goes now, not with this connection.
    if (this.#parser !== null) this.#host.parsers.release(this.#parser);
    this.#parser = null;
    if (wasUpgraded) return;
    const cur = this.#current;
    this.#current = null;
    // A socket error (a reset) is the reason's cause: handlers hear what happened to the client.
    const cause = this.#socketError;
    const err =
      cause === null ? new Error('Client closed the connection') : new Error('Client closed the connection', { cause });
    // Its handler, if its answer is still owed, is told by the outbox with the others.
    cur?.body.abort(aborted());
    this.#upgrade?.ex.handler![kAbort](err);
    this.#upgrade = null;
    this.#out.closed(err);
    this.#host.forget(this);
  }
}

/**
 * Node's own 'end' listener on a socket (`onReadableStreamEnd`, net.js) only stops writes after the
 * peer's FIN when `allowHalfOpen` is false; on a half-open socket, as the engine's are, it does
 * nothing. Removed, ours is the event's only listener instead of an array of two: 64 B per
 * connection (heap snapshot of idle keep-alive connections). Anything else listening is kept.
 */
function dropNodeEndListener(socket: Socket): void {
  const ls = socket.listeners('end');
  if (ls.length === 1 && ls[0]!.name === 'onReadableStreamEnd') socket.removeListener('end', ls[0] as () => void);
}
