/**
 * One request and its response as the engine sees them: the parsed head, the body source, the
 * handler the http room attached (it builds the response and hears how the writing went), and the
 * exchange's progress through the outbox.
 *
 * Contract: the http room calls {@link Exchange.complete} once, when the response may be written;
 * everything after that — when, in which order, with which framing, whether the connection stays
 * open — is the engine's. An {@link Exchange.upgradable} exchange may instead complete once as an
 * upgrade ({@link Exchange.completeUpgrade}): one answer per request, a response or the upgrade,
 * since both set `completed` and only the first call counts.
 */
import type { Socket } from 'node:net';
import type { RequestHead } from '../parser/events.js';
import type { BodySource } from './body-source.js';
import type { RequestFacts, Reply } from './framing.js';

/*
 * The handler's methods are keyed by symbols (Fastify's `kFoo` idiom): the http room's Context
 * implements them, and a user of the Context does not see them among its members.
 */
export const kReply: unique symbol = Symbol('shallot.reply');
export const kReplyError: unique symbol = Symbol('shallot.replyError');
export const kCommitted: unique symbol = Symbol('shallot.committed');
export const kFinished: unique symbol = Symbol('shallot.finished');
export const kAbort: unique symbol = Symbol('shallot.abort');
export const kDiscard: unique symbol = Symbol('shallot.discard');
export const kFailed: unique symbol = Symbol('shallot.failed');
export const kHandOver: unique symbol = Symbol('shallot.handOver');
/**
 * Marks an error the client's socket raised (a reset): `kAbort`'s reason then carries it as its
 * `cause`, and the http room reports it as Koa does, as a client's failure rather than the server's.
 */
export const kSocketError: unique symbol = Symbol('shallot.socketError');

/** What the http room attaches to an exchange (shallot's Context implements it). */
export interface ExchangeHandler {
  /** The response, built when it is this exchange's turn to be written. May throw: the error reply answers then. */
  [kReply](): Reply;
  /** The answer for `err`, through the one error path, which also reports it. Must not throw. */
  [kReplyError](err: unknown): Reply;
  /** The head went to the socket: the response can no longer change. */
  [kCommitted](): void;
  /** The whole response went to the socket. */
  [kFinished](): void;
  /** The request will not be answered normally: the client left, the request failed, or the server shuts down. */
  [kAbort](reason: Error): void;
  /** Its response will never be written (the connection closed first): let go of its body (a file, a stream). */
  [kDiscard](): void;
  /**
   * The content could not be written as its head promised (a stream failed, ended short or ran
   * over): the connection is closed. `clientGone`: the failure followed the client leaving.
   */
  [kFailed](err: unknown, clientGone: boolean): void;
  /**
   * The exchange completed as an upgrade ({@link Exchange.completeUpgrade}) and its turn came:
   * every response before it is written and the engine let go of the connection. The socket and
   * the bytes read past the request (`head`) are the handler's.
   */
  [kHandOver](socket: Socket, head: Buffer): void;
}

/** What an exchange reports to: its connection. */
export interface ExchangeOwner {
  /** The exchange's response may be written. */
  ready(ex: Exchange): void;
}

/** Where an exchange is: its handler runs, its response waits to be written, or it is done. */
export const STAGE = {
  RUNNING: 0,
  READY: 1,
  /** Written, being written, or dropped because the connection closed first. */
  DONE: 2,
} as const;

/** See the module contract. */
export class Exchange implements RequestFacts {
  handler: ExchangeHandler | null = null;
  stage: (typeof STAGE)[keyof typeof STAGE] = STAGE.RUNNING;
  /** The handler has called {@link complete}. */
  completed = false;
  /** What the handler failed with (or the reason the engine refused the request). */
  error: unknown = null;
  /** The connection closes after this response. */
  close = false;
  readonly http10: boolean;
  readonly isHead: boolean;
  /**
   * `Expect: 100-continue` that will be honoured. An HTTP/1.0 client's is ignored (RFC 9110
   * §10.1.1), and it is never sent an interim response (§15.2).
   */
  readonly expectContinue: boolean;
  continueSent = false;
  /** Its handler asked for the body while an earlier response was still owed: 100 Continue waits for it. */
  continueOwed = false;
  /**
   * A WebSocket upgrade the engine routed to the app's stack: when it completes as an upgrade, the
   * connection is handed over at its turn instead of a response being written.
   */
  upgradable = false;
  /** It completed as an upgrade ({@link completeUpgrade}), not with a response. */
  upgraded = false;

  constructor(
    readonly head: RequestHead,
    readonly body: BodySource,
    readonly owner: ExchangeOwner,
  ) {
    this.http10 = head.versionMinor === 0;
    this.isHead = head.method === 'HEAD';
    this.expectContinue = head.expectContinue && !this.http10;
  }

  /**
   * Called by the http room once its response may be written (`error`: what the middleware
   * failed with, or null). False when it was called before.
   */
  complete(error: unknown): boolean {
    if (this.completed) return false;
    this.completed = true;
    if (error !== null) this.error = error;
    this.owner.ready(this);
    return true;
  }

  /**
   * Called by the http room to answer with the upgrade instead of a response. False when the
   * exchange is not {@link upgradable} or was completed before (either way).
   */
  completeUpgrade(): boolean {
    if (this.completed || !this.upgradable) return false;
    this.completed = true;
    this.upgraded = true;
    this.owner.ready(this);
    return true;
  }
}
