/**
 * What a Context needs from its app (`ctx.app`). An interface rather than the App class itself, so
 * the context module does not import the app module, which imports it.
 */
import type { Logger } from 'pino';

/** The app members a context reads. */
export interface AppLike {
  readonly env: string;
  proxy: boolean;
  proxyIpHeader: string;
  maxIpsCount: number;
  subdomainOffset: number;
  keys: string[] | undefined;
  readonly log: Logger;
  /** The error path's reporting half: emit and log, once per error (`ctx`: the request's context). */
  onError(err: unknown, ctx: object): void;
}
