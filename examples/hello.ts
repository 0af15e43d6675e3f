/**
 * The demo app behind `npm start`: the seed's program, on http://localhost:8006, with request
 * logging — readable (pino-pretty) when stdout is a terminal or `LOG_PRETTY=1`, JSON lines otherwise.
 *
 *   curl http://localhost:8006/            → {"message":"Hello, world!"}
 *   curl http://localhost:8006/user/42     → {"id":"42"}
 *   open http://localhost:8006/static/     → a page, its CSS and JS from examples/static/
 *   open http://localhost:8006/static/sse.html → a clock fed by Server-Sent Events from /events
 */
import { createRequire } from 'node:module';
import type { LoggerOptions } from 'pino';
import { fileURLToPath } from 'node:url';
import { App } from '../src/index.js';
import { logger, compress, serveStatic, sse } from '../src/middleware/index.js';

const PORT = Number(process.env['PORT'] ?? 8006);
const HOST = process.env['HOST'] ?? 'localhost';

/** pino-pretty as a transport when wanted and installed (it is a devDependency): else plain JSON. */
function logOptions(): LoggerOptions | undefined {
  if (!process.stdout.isTTY && process.env['LOG_PRETTY'] !== '1') return undefined;
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
  } catch {
    return undefined;
  }
  return {
    transport: {
      target: 'pino-pretty',
      options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true },
    },
  };
}

export const app = new App({ logger: logOptions() });

app.use(logger());
app.use(compress());
app.use(serveStatic(fileURLToPath(new URL('./static/', import.meta.url)), { prefix: '/static' }));
app.get('/', () => ({ message: 'Hello, world!' }));
app.get('/user/:id', (ctx) => ({ id: ctx.params.id }));

/** The SSE clock: a `tick` event now and every `?every=` ms (100–60000, default 1000). */
app.get('/events', (ctx) => {
  const every = Math.min(60_000, Math.max(100, Number(ctx.query['every']) || 1000));
  const stream = sse(ctx, { heartbeat: 15_000 });
  // A reconnecting EventSource sends the last id it saw: the count goes on from there.
  let id = Number(stream.lastEventId) || 0;
  const tick = (): void => {
    stream.send({ event: 'tick', id: ++id, data: { time: new Date().toISOString() } });
  };
  tick();
  const timer = setInterval(tick, every);
  timer.unref();
  stream.onClose(() => clearInterval(timer));
});

// Started directly (npm start), not when a test imports the app.
if (import.meta.url === `file://${process.argv[1]}`) {
  const server = app.listen({ port: PORT, host: HOST, signals: true }, () => {
    app.log.info(`shallot demo listening on http://${HOST}:${PORT}`);
  });
  server.on('close', () => app.log.info('shut down'));
}
