/**
 * Timing, authentication and logging in one stack, each an ordinary `(ctx, next)` middleware:
 *
 *   errorHandler()  → custom 404 page, HTML for browsers, problem+json for the rest
 *   logger()        → one "request completed" line per request, with its x-request-id
 *   timing          → `Server-Timing: app;dur=…` on every response, errors included
 *   body()          → JSON and form bodies
 *   /admin router   → `Authorization: Bearer <token>` required; the user lands on ctx.state
 *
 *   npx tsx examples/middleware.ts   (http://localhost:8008)
 *   curl -i localhost:8008/                                        → 200 with server-timing
 *   curl -i localhost:8008/admin/me                                → 401, WWW-Authenticate: Bearer
 *   curl -i localhost:8008/admin/me -H 'authorization: Bearer t0ken-ada'    → {"user":"ada",…}
 */
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { App, HttpError, Router, isHttpError, type Middleware } from '../src/index.js';
import { body, errorHandler, logger, validate } from '../src/middleware/index.js';

const PORT = Number(process.env['PORT'] ?? 8008);
const HOST = process.env['HOST'] ?? 'localhost';

/** What the auth middleware puts on `ctx.state`. */
export interface State {
  user?: { name: string; role: 'admin' | 'reader' };
}

/** Demo tokens; a real app would verify a signed token or look up a session. */
const TOKENS = new Map<string, NonNullable<State['user']>>([
  ['t0ken-ada', { name: 'ada', role: 'admin' }],
  ['t0ken-bob', { name: 'bob', role: 'reader' }],
]);

/** `Server-Timing` for the whole stack below it; on an error it rides on the error's own headers. */
export const timing: Middleware<State> = async (ctx, next) => {
  const start = performance.now();
  const header = (): string => `app;dur=${(performance.now() - start).toFixed(1)}`;
  try {
    await next();
  } catch (err) {
    // The error path resets response headers but sends an error's own: add it there.
    if (isHttpError(err)) Object.assign(err, { headers: { ...err.headers, 'server-timing': header() } });
    throw err;
  }
  ctx.set('server-timing', header());
};

/** Bearer authentication: 401 with a challenge, or the user on `ctx.state.user`. */
export function bearer(role?: 'admin'): Middleware<State> {
  return async (ctx, next) => {
    const m = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(ctx.get('authorization'));
    const user = m === null ? undefined : TOKENS.get(m[1]!);
    if (user === undefined)
      throw HttpError.unauthorized('A valid bearer token is required', {
        code: 'ERR_AUTH_REQUIRED',
        headers: { 'www-authenticate': 'Bearer' },
      });
    if (role !== undefined && user.role !== role)
      throw HttpError.forbidden(`Only ${role}s may do that`, { code: 'ERR_FORBIDDEN' });
    ctx.state.user = user;
    ctx.log = ctx.log.child({ user: user.name });
    await next();
  };
}

const Note = z.object({ text: z.string().min(1).max(500) });

/** A fresh app (one per test). */
export function createApp(): App<State> {
  const notes: { by: string; text: string }[] = [];
  const admin = new Router<State>();
  admin.use(bearer());
  admin.get('/me', (ctx) => ({ user: ctx.state.user!.name, role: ctx.state.user!.role }));
  admin.get('/notes', () => notes);
  admin.post('/notes', validate({ body: Note }), (ctx) => {
    if (ctx.state.user!.role !== 'admin')
      throw HttpError.forbidden('Only admins may write notes', { code: 'ERR_FORBIDDEN' });
    const note = { by: ctx.state.user!.name, text: ctx.request.body.text };
    notes.push(note);
    ctx.status = 201;
    return note;
  });

  const app = new App<State>();
  app.use(errorHandler({ notFound: () => '<!doctype html><title>Not here</title><h1>Nothing at this address</h1>' }));
  app.use(logger({ skip: (ctx) => ctx.path === '/health' }));
  app.use(timing);
  app.use(body());
  app.get('/', () => ({ hello: 'world' }));
  app.get('/health', () => 'ok');
  const root = new Router<State>();
  root.use('/admin', admin);
  app.use(root.routes());
  return app;
}

export const app = createApp();

// Started directly, not when a test imports the app.
if (import.meta.url === `file://${process.argv[1]}`) {
  const server = app.listen({ port: PORT, host: HOST, signals: true }, () => {
    const { port } = server.address() as AddressInfo;
    app.log.info(`middleware example on http://${HOST}:${port}`);
  });
}
