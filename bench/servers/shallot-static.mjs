// Scenarios "static files" (issue 18, target 4), shallot's side: `serveStatic(STATIC_DIR)` with its
// defaults (ETag, Last-Modified, ranges, precompressed siblings looked up). STATIC_DIR is the run's
// folder of generated files (the driver writes file-64k.txt and file-10m.txt). Compare with
// ../peers/servers/fastify-static.mjs and koa-static.mjs, each with its defaults.
import { App } from '../../dist/index.js';
import { serveStatic } from '../../dist/middleware/index.js';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);
const HOST = '127.0.0.1';

const app = new App({ logger: false });
app.use(serveStatic(process.env.STATIC_DIR));
app.listen(PORT, HOST);
