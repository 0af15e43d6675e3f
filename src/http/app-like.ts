/**
 * What a {@link Context} needs from its app. An interface rather than the App class itself so that
 * the context module does not import the app module (which imports the connection, which imports
 * the context).
 */
import type { Logger } from 'pino';
import type { Context } from './context.js';

/** The app members a context reads. */
export interface AppLike {
  readonly env: string;
  proxy: boolean;
  proxyIpHeader: string;
  maxIpsCount: number;
  subdomainOffset: number;
  keys: string[] | undefined;
  readonly log: Logger;
  /** The error path's reporting half: emit and log, once per error. */
  onError(err: unknown, ctx: Context): void;
}
