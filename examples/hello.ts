/**
 * The demo app behind `npm start`: the seed's program, on http://localhost:8006.
 *
 *   curl http://localhost:8006/            → {"message":"Hello, world!"}
 *   curl http://localhost:8006/user/42     → {"id":"42"}
 */
import { App } from '../src/index.js';

const PORT = Number(process.env['PORT'] ?? 8006);
const HOST = process.env['HOST'] ?? 'localhost';

export const app = new App();

app.get('/', () => ({ message: 'Hello, world!' }));
app.get('/user/:id', (ctx) => ({ id: ctx.params.id }));

// Started directly (npm start), not when a test imports the app.
if (import.meta.url === `file://${process.argv[1]}`) {
  const server = app.listen({ port: PORT, host: HOST, signals: true }, () => {
    app.log.info(`shallot demo listening on http://${HOST}:${PORT}`);
  });
  server.on('close', () => app.log.info('shut down'));
}
