// Cold start (issue 18, target 9), shallot's side: the whole process as a user starts it — import
// shallot from the built package, one route, listen. bench/coldstart.ts times spawn → first
// response. Compare with cold-node-http.mjs.
import { App } from '../../dist/index.js';

const app = new App({ logger: false });
app.get('/', () => 'Hello, World!');
app.listen(Number(process.env.PORT || 3000), '127.0.0.1');
