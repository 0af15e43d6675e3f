/**
 * The service the production start runs (examples/cluster.ts starts it in each worker): stateless,
 * behind a proxy, with liveness and readiness. It imports shallot by its package name, as an
 * application does: under tsx the tsconfig maps the name to src/, and the compiled example
 * (`npm run build:examples`) loads the built dist/ through package.json's `exports`.
 *
 *   GET /         → {"pid":…}              which worker answered
 *   GET /whoami   → {"ip":…,"protocol":…}  the client as the proxy saw it
 *   GET /slow?ms= → {"pid":…} after ms (at most 10 s): a request in flight
 *   GET /healthz, /readyz                  liveness and readiness (docs/production.md)
 *
 * Environment: READINESS_DELAY (ms, default 5000).
 */
import { App } from 'shallot';
import { health } from 'shallot/middleware';

export interface ServiceOptions {
  /** ms between readiness turning 503 and the drain (health()'s readinessDelay). */
  readinessDelay?: number;
}

export function createApp(options: ServiceOptions = {}): App {
  const app = new App({
    // Behind one proxy we control (nginx): X-Forwarded-Proto is its own, and of X-Forwarded-For
    // only the last address, the one nginx appended, is trusted; the rest is what the client wrote.
    proxy: true,
    maxIpsCount: 1,
    // Longer than the proxy's idle timeout for upstream connections (nginx's keepalive_timeout,
    // 60 s by default): the proxy, not the backend, must be the one to close an idle connection,
    // or it may send a request on a connection the backend is closing at that moment.
    keepAliveTimeout: 65_000,
  });
  // First, so that probes skip everything after it.
  app.use(health({ readinessDelay: options.readinessDelay ?? 5000 }));
  app.get('/', () => ({ pid: process.pid }));
  app.get('/whoami', (ctx) => ({ ip: ctx.ip, protocol: ctx.protocol, pid: process.pid }));
  app.get('/slow', async (ctx) => {
    const ms = Math.min(10_000, Math.max(0, Number(ctx.query['ms']) || 0));
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { pid: process.pid };
  });
  return app;
}
