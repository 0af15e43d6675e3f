/**
 * What a {@link Connection} needs from the engine that owns it. An interface so the connection can
 * be driven by a listening server or by `app.inject()` alike, and does not import the engine.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ParserPool } from './parser-pool.js';
import type { Exchange } from './exchange.js';
import type { RequestHead } from '../parser/events.js';

/** The owner of connections: options, the http room's entry points, bookkeeping. */
export interface EngineHost {
  readonly log: Logger;
  /** Parsers for this host's connections (idle ones give theirs back). */
  readonly parsers: ParserPool;
  readonly bodyHighWaterMark: number;
  readonly maxPipelinedRequests: number;
  readonly maxRequestsPerSocket: number;
  /** The `Keep-Alive` field advertised on responses that keep the connection (with its CRLF), or `''`. */
  readonly keepAliveField: string;
  /** A coarse clock (ms) for timeouts. */
  now(): number;
  /** Gives `ex` its handler (the http room's context for it). */
  attach(ex: Exchange, socket: Socket): void;
  /** Runs the middleware for `ex`; its handler calls `ex.complete(error)` when done. */
  dispatch(ex: Exchange): void;
  /** The registered error for `code` (its status from the registry), for the answers the engine decides itself. */
  httpError(code: string, message: string): Error & { status: number; code: string };
  /** The complete bytes of the engine's own answer to a request it refuses before it became an exchange. */
  refusal(err: Error, head: boolean): string;
  hasUpgradeListener(): boolean;
  /** Whether the app's stack answers this upgrade request (see `EngineApp[kRoutesUpgrade]`). */
  routesUpgrade(head: RequestHead): boolean;
  /** Hands an upgraded socket to the application: its `upgrade` listeners, or the handler of an exchange completed as an upgrade. */
  upgrade(ex: Exchange, socket: Socket, head: Buffer): void;
  /** The connection closed or was handed over (the connection itself; typed loosely so this interface needs no import of it). */
  forget(conn: object): void;
}
