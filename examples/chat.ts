/**
 * A chat over WebSockets, with rooms: http://localhost:8009/static/chat.html
 *
 *   GET  /                          → {"page":"/static/chat.html","rooms":[…rooms with people in them]}
 *   POST /login {"name":"ada"}      → sets a signed `user` cookie (app.keys), 204
 *   GET  /me                        → {"name":"ada"}, or 401 without the cookie
 *   GET  /rooms/:room (WebSocket)   → 401 as HTTP without the cookie; else every message sent
 *                                     is broadcast to the room as {"from","text","at"}
 *
 * The upgrade request runs through the same middleware as any request: the logger, the cookie
 * check, the origin check. The browser sends the page's cookies with it.
 */
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';
import { App, type Middleware } from '../src/index.js';
import { body, logger, serveStatic } from '../src/middleware/index.js';

const PORT = Number(process.env['PORT'] ?? 8009);
const HOST = process.env['HOST'] ?? 'localhost';

interface State {
  user: { name: string };
}

/** The signed-cookie user, or 401: the same check for a page, an API call and an upgrade. */
const requireUser: Middleware<State> = (ctx, next) => {
  const name = ctx.cookies.get('user', { signed: true });
  if (name === undefined) return ctx.throw(401, 'Log in first');
  ctx.state.user = { name };
  return next();
};

export function createApp(): App<State> {
  const app = new App<State>({
    keys: [process.env['CHAT_KEY'] ?? 'change me: a secret key'],
    ws: { maxPayload: 16 * 1024 },
  });
  const rooms = new Map<string, Set<WebSocket>>();

  app.use(logger());
  app.use(serveStatic(fileURLToPath(new URL('./static/', import.meta.url)), { prefix: '/static' }));
  app.use(body());

  app.post('/login', (ctx) => {
    const name = String((ctx.request.body as { name?: unknown } | undefined)?.name ?? '').trim();
    if (!/^[\p{L}\p{N}_ .-]{1,32}$/u.test(name)) ctx.throw(400, 'A name of 1 to 32 letters, digits, spaces, _ . -');
    ctx.cookies.set('user', name, { signed: true, httpOnly: true, sameSite: 'strict' });
    ctx.status = 204;
  });

  app.get('/', () => ({ page: '/static/chat.html', rooms: [...rooms.keys()] }));
  app.get('/me', requireUser, (ctx) => ({ name: ctx.state.user.name }));

  app.ws('/rooms/:room', requireUser, async (ctx) => {
    const { room } = ctx.params;
    const { name } = ctx.state.user;
    const socket = await ctx.upgrade();
    const members = rooms.get(room) ?? new Set<WebSocket>();
    rooms.set(room, members);
    members.add(socket);
    const broadcast = (text: string, from: string): void => {
      const msg = JSON.stringify({ from, text, at: new Date().toISOString() });
      // send() closes a member whose buffer is over the high-water mark: one slow reader never
      // holds the room's messages in memory.
      for (const m of members) m.send(msg);
    };
    broadcast(`${name} joined`, 'server');
    socket.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) broadcast(data.toString('utf8'), name);
    });
    socket.on('close', () => {
      members.delete(socket);
      if (members.size === 0) rooms.delete(room);
      else broadcast(`${name} left`, 'server');
    });
  });
  return app;
}

export const app = createApp();

// Started directly, not when a test imports the app.
if (import.meta.url === `file://${process.argv[1]}`) {
  const server = app.listen({ port: PORT, host: HOST, signals: true }, () => {
    const { port } = server.address() as AddressInfo;
    app.log.info(`chat example on http://${HOST}:${port}/static/chat.html`);
  });
}
