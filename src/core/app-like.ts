/**
 * What a {@link Context} needs from its app. An interface rather than the App class itself so that
 * the context module does not import the app module (which imports the connection, which imports
 * the context).
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
}
