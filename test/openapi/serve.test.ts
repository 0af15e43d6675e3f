/**
 * `serveOpenApi()`: the document as JSON, the docs page and the three assets it loads from
 * swagger-ui-dist through serveStatic — and nothing else of that package.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { App } from '../../src/index.js';
import { validate } from '../../src/middleware/index.js';
import { serveOpenApi, type OpenApiDocument } from '../../src/openapi/index.js';

function makeApp(options: { path?: string; docs?: string | false } = {}): App {
  const app = new App({ logger: false });
  serveOpenApi(app, { info: { title: 'Pets <& co>', version: '1' }, ...options });
  app.get('pet', '/pets/:id', validate({ responses: { 200: z.object({ name: z.string() }) } }), () => ({
    name: 'Rex',
  }));
  return app;
}

async function get(app: App, url: string) {
  const { responses } = await app.inject({ method: 'GET', url });
  return responses[0]!;
}

describe('serveOpenApi()', () => {
  it('should serve the document at /openapi.json, with routes added after it and without its own', async () => {
    const res = await get(makeApp(), '/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const doc = res.json<OpenApiDocument>();
    expect(Object.keys(doc.paths)).toEqual(['/pets/{id}']);
    expect(doc.info.title).toBe('Pets <& co>');
  });

  it('should serve a docs page that loads only same-origin assets, with the title escaped', async () => {
    const app = makeApp();
    const page = await get(app, '/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const html = page.text();
    expect(html).toContain('<title>Pets &lt;&amp; co&gt;</title>');
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(urls.sort()).toEqual([
      '/docs/favicon-32x32.png',
      '/docs/init.js',
      '/docs/swagger-ui-bundle.js',
      '/docs/swagger-ui.css',
    ]);
    for (const url of urls) expect((await get(app, url)).status, url).toBe(200);
    expect((await get(app, '/docs/swagger-ui.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    const init = (await get(app, '/docs/init.js')).text();
    expect(init).toContain('url: "/openapi.json"');
    expect(init).toContain('validatorUrl: null');
  });

  it('should reach no other file of swagger-ui-dist', async () => {
    const app = makeApp();
    for (const url of ['/docs/index.html', '/docs/swagger-initializer.js', '/docs/package.json'])
      expect((await get(app, url)).status, url).toBe(404);
  });

  it('should serve at the paths given, and no page with docs: false', async () => {
    const app = makeApp({ path: '/spec.json', docs: false });
    expect((await get(app, '/spec.json')).status).toBe(200);
    expect((await get(app, '/openapi.json')).status).toBe(404);
    expect((await get(app, '/docs')).status).toBe(404);
  });
});
