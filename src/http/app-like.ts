/**
 * What a Context needs from its app (`ctx.app`). An interface rather than the App class itself, so
 * the context module does not import the app module, which imports it.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { kWebSockets } from './internal.js';
import type { WebSocketHub } from './websocket.js';

/** The app members a context reads; the app is an EventEmitter (`ctx.app.emit('error', err, ctx)`, as Koa). */
export interface AppLike extends EventEmitter {
  readonly env: string;
  proxy: boolean;
  proxyIpHeader: string;
  maxIpsCount: number;
  subdomainOffset: number;
  keys: string[] | undefined;
  /** Koa's `app.silent`: the default `onerror` logs nothing. */
  silent: boolean;
  readonly log: Logger;
  /** Koa's `app.onerror(err)`: the default listener of the app's `error` event (`ctx`: the request's context). */
  onerror(err: unknown, ctx?: object): void;
  /** The app's WebSockets, behind `ctx.upgrade()`. */
  readonly [kWebSockets]: WebSocketHub;
}
