/**
 * OpenAPI document build time: `openapi(app)` for an app of 200 routes (40 resources × list,
 * create, read, update, delete), each route with zod schemas for its params, query or body and its
 * 2xx response, as examples/rest.ts declares them; a shared `.meta({ id })` schema per resource.
 *
 * Run: `npm run bench:openapi`. Prints the first build (cold: zod's JSON Schema conversion and
 * the generator's code not yet optimised) and the median and best of 50 later builds, each on a
 * fresh app (so nothing is cached between builds but what zod keeps itself), plus the document's
 * size. `performance.now()` only: compare runs on one machine.
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { App, Router } from '../src/index.js';
import { validate } from '../src/middleware/index.js';
import { openapi } from '../src/openapi/index.js';

const RESOURCES = 40;
const ROUNDS = 50;

/** An app of `RESOURCES × 5` routes; schemas made per app, as an application makes them once. */
function makeApp(): App {
  const app = new App({ logger: false });
  const api = new Router({ prefix: '/api' });
  for (let i = 0; i < RESOURCES; i++) {
    const Item = z
      .object({ id: z.number().int(), name: z.string().min(1), tags: z.array(z.string()), created: z.iso.datetime() })
      .meta({ id: `Item${i}` });
    const Input = z.object({ name: z.string().min(1).max(200), tags: z.array(z.string()).default([]) });
    const Id = z.object({ id: z.coerce.number().int().min(1) });
    const Page = z.object({ limit: z.coerce.number().int().max(100).default(20), q: z.string().optional() });
    const r = new Router()
      .get(
        { name: `list${i}`, tags: [`r${i}`] },
        '/',
        validate({ query: Page, responses: { 200: z.array(Item) } }),
        () => [],
      )
      .post({ name: `create${i}` }, '/', validate({ body: Input, responses: { 201: Item } }), () => undefined)
      .get({ name: `get${i}` }, '/:id(\\d+)', validate({ params: Id, responses: { 200: Item } }), () => undefined)
      .patch(
        { name: `update${i}` },
        '/:id(\\d+)',
        validate({ params: Id, body: Input.partial(), responses: { 200: Item } }),
        () => undefined,
      )
      .delete(
        { name: `delete${i}` },
        '/:id(\\d+)',
        validate({ params: Id, responses: { 204: { description: 'Gone' } } }),
        () => undefined,
      );
    api.use(`/r${i}`, r);
  }
  app.use(api.routes());
  return app;
}

const INFO = { info: { title: 'Bench', version: '1' } };
const apps = Array.from({ length: ROUNDS + 1 }, makeApp);
const routes = apps[0]!.routes.length;

let t = performance.now();
const doc = openapi(apps[0]!, INFO);
const cold = performance.now() - t;
const times: number[] = [];
for (let i = 1; i <= ROUNDS; i++) {
  t = performance.now();
  openapi(apps[i]!, INFO);
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const median = times[Math.floor(times.length / 2)]!;
const bytes = JSON.stringify(doc).length;

console.log(`| routes | first build | median of ${ROUNDS} | best | document |`);
console.log('| ---: | ---: | ---: | ---: | ---: |');
console.log(
  `| ${routes} | ${cold.toFixed(1)} ms | ${median.toFixed(2)} ms | ${times[0]!.toFixed(2)} ms | ${(bytes / 1024).toFixed(0)} KiB, ${Object.keys(doc.paths).length} paths |`,
);
