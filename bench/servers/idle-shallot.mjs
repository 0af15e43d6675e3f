// bench/memory.ts: shallot holding idle keep-alive connections. Answers GET / with the usual text,
// then the connection idles. keepAliveTimeout is raised (as in the other idle servers) so no
// connection is closed while it is being measured; the per-connection timer itself stays armed.
import { App } from '../../dist/index.js';
import { ready, serveControl } from '../lib/idle-control.mjs';

process.env.NODE_ENV ||= 'production';
const PORT = Number(process.env.PORT || 3000);

serveControl();
const app = new App({ logger: false, keepAliveTimeout: 600_000 });
app.get('/', () => 'Hello, World!');
app.listen(PORT, '127.0.0.1', ready);
