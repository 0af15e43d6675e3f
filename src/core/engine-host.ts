/**
 * What a {@link Connection} needs from the app and server that own it. An interface so the
 * connection can be driven by a listening server or by `app.inject()` alike, and so that the
 * connection module does not import the app module.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ParserPool } from './parser-pool.js';
import type { AppLike } from './app-like.js';
import type { Context } from './context.js';
import type { HeadOptions } from './respond.js';
import type { Connection } from './connection.js';

/** The owner of connections: options, dispatch, error path, bookkeeping. */
export interface EngineHost {
  readonly app: AppLike;
  readonly log: Logger;
  /** Parsers for this host's connections (idle ones give theirs back). */
  readonly parsers: ParserPool;
  readonly bodyHighWaterMark: number;
  readonly maxPipelinedRequests: number;
  readonly maxRequestsPerSocket: number;
  /** True once graceful shutdown began (each connection then stops after a grace turn; see `Connection.shutdown`). */
  readonly closing: boolean;
  readonly closeOpts: HeadOptions;
  keepOpts(http10: boolean): HeadOptions;
  /** A coarse clock (ms) for timeouts. */
  now(): number;
  /** Runs the middleware for `ctx`, then calls `conn.complete(ctx, error)`. */
  dispatch(ctx: Context, conn: Connection): void;
  httpError(status: number, message: string, code: string): Error;
  hasUpgradeListener(): boolean;
  upgrade(ctx: Context, socket: Socket, head: Buffer): void;
  /** The single error path: report (emit + log) and serialise as problem+json. */
  renderError(ctx: Context, err: unknown, opts: HeadOptions): Buffer;
  /** Emit and log an error; returns it for rendering. */
  reportError(err: unknown, ctx: Context): unknown;
  /** The response was written completely. */
  finished(ctx: Context): void;
  /** The connection closed or was handed over. */
  forget(conn: Connection): void;
}
