/**
 * `serveOpenApi(app, options)`: the app's OpenAPI document as JSON, and a Swagger UI page that
 * works offline — its assets come from the swagger-ui-dist package on this machine, served by
 * shallot's own `serveStatic`, never from a CDN.
 *
 * Rules (tested in test/openapi/serve.test.ts and test/browser/openapi.browser.ts):
 * - The routes are a router given to `app.use()`: `GET <path>` (default `/openapi.json`), and
 *   unless `docs: false`, `GET <docs>` (default `/docs`: the page), `GET <docs>/init.js` (the
 *   page's one script of its own, so a `script-src 'self'` policy allows it) and the three assets
 *   the page loads. No other file of the package is reachable.
 * - The document is built on the first request for it, from every route the app has then (the app
 *   no longer changes once it serves), without these routes; later requests get the same bytes.
 *   A document that cannot be built is a 500 whose logged error says why.
 * - swagger-ui-dist is an optional peer dependency, resolved when `serveOpenApi()` is called with
 *   docs on: absent, that call throws saying how to install it (or to pass `docs: false`).
 * - The page turns off Swagger UI's online validator badge (`validatorUrl: null`), which would
 *   send the document to validator.swagger.io.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Middleware } from '../http/app.js';
import { serveStatic } from '../middleware/static/static.js';
import type { RouteInfo } from '../router/route-info.js';
import { Router } from '../router/router.js';
import { openapi, type OpenApiOptions } from './document.js';

/** Options of {@link serveOpenApi}: the document's, and where it is served. */
export interface ServeOpenApiOptions extends OpenApiOptions {
  /** Path of the JSON document (default `/openapi.json`). */
  path?: string;
  /** Path of the docs page (default `/docs`), or `false` for none. */
  docs?: string | false;
}

/** What {@link serveOpenApi} needs of an app: its route listing, and `use()`. */
export interface OpenApiHost<S extends object> {
  readonly routes: readonly RouteInfo[];
  use(fn: Middleware<S>): unknown;
}

const ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'] as const;

/**
 * Serves the app's OpenAPI document and its docs page; see the module rules.
 *
 * @throws {Error} when docs are on and swagger-ui-dist is not installed
 * @example
 * serveOpenApi(app, { info: { title: 'Todos', version: '1.0.0' }, path: '/openapi.json', docs: '/docs' })
 */
export function serveOpenApi<S extends object>(app: OpenApiHost<S>, options: ServeOpenApiOptions): void {
  const { path: jsonPath = '/openapi.json', docs = '/docs', ...docOptions } = options;
  const own = new Set([jsonPath]);
  const router = new Router<S>();
  let json: string | null = null;
  router.get(jsonPath, (ctx) => {
    json ??= JSON.stringify(
      openapi(app, {
        ...docOptions,
        exclude: (r) => (r.method === 'GET' && own.has(r.path)) || docOptions.exclude?.(r) === true,
      }),
    );
    ctx.type = 'application/json';
    ctx.body = json;
  });
  if (docs !== false) {
    const root = swaggerUiDist();
    const page = docsPage(docOptions.info.title, docs);
    const init = initScript(jsonPath);
    const assets = serveStatic(root, { prefix: docs, index: false, maxAge: 3600 });
    own.add(docs).add(`${docs}/init.js`);
    router.get(docs, (ctx) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = page;
    });
    router.get(`${docs}/init.js`, (ctx) => {
      ctx.type = 'text/javascript; charset=utf-8';
      ctx.body = init;
    });
    for (const asset of ASSETS) {
      own.add(`${docs}/${asset}`);
      router.get(`${docs}/${asset}`, assets as Middleware<S>);
    }
  }
  app.use(router.routes() as Middleware<S>);
}

/** The directory of the installed swagger-ui-dist. @throws {Error} when it is not installed */
function swaggerUiDist(): string {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist'));
  } catch (err) {
    throw new Error(
      'serveOpenApi(): the docs page needs swagger-ui-dist, an optional peer dependency: ' +
        '`npm install swagger-ui-dist` (or pass `docs: false` to serve the JSON document alone)',
      { cause: err },
    );
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ESCAPES[c]!);

function docsPage(title: string, docs: string): string {
  const t = escapeHtml(title);
  const d = escapeHtml(docs);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${t}</title>
<link rel="stylesheet" href="${d}/swagger-ui.css">
<link rel="icon" type="image/png" href="${d}/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${d}/swagger-ui-bundle.js"></script>
<script src="${d}/init.js"></script>
</body>
</html>
`;
}

function initScript(jsonPath: string): string {
  return `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(jsonPath)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
});
`;
}
