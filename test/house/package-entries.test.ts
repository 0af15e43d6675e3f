/**
 * The public surface, as a user meets it: the built package imported by its own name (Node resolves
 * `shallot`, `shallot/middleware`, `shallot/parser` and `shallot/openapi` through the `exports` field of package.json,
 * from dist/). The root entry stays small enough to hold in one's head; deep imports are refused.
 * The package is built first, so what is checked is what `npm publish` would ship.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `source` as an ES module in a Node process in the project root (outside vitest's resolver); its stdout. */
function runModule(source: string): string {
  return execFileSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The names a specifier exports, imported from a Node process in the project root. */
function exportsOf(specifier: string): string[] {
  return JSON.parse(
    runModule(
      `const m = await import(${JSON.stringify(specifier)}); console.log(JSON.stringify(Object.keys(m).sort()))`,
    ),
  ) as string[];
}

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'tools/build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
}, 120_000);

describe('the package entries', () => {
  it('should export what an application needs from the root, and no more than 15 values', () => {
    const names = exportsOf('shallot');
    expect(names).toEqual([
      'App',
      'ERRORS',
      'HttpError',
      'Router',
      'SERVER_DEFAULTS',
      'WEBSOCKET_DEFAULTS',
      'compose',
      'createHttpError',
      'errorFor',
      'isHttpError',
      'readBody',
      'toHttpError',
    ]);
    expect(names.length).toBeLessThanOrEqual(15);
  });

  it('should export the middleware set from shallot/middleware', () => {
    expect(exportsOf('shallot/middleware')).toEqual([
      'MIDDLEWARE_DEFAULTS',
      'MULTIPART_DEFAULTS',
      'MULTIPART_MEMORY_FILE_SIZE',
      'allowOrigins',
      'body',
      'compress',
      'createQueryParser',
      'decodeQueryComponent',
      'defaultValidationFormatter',
      'errorHandler',
      'formatEvent',
      'health',
      'isCompressible',
      'logLevel',
      'logger',
      'negotiateEncoding',
      'parseAcceptEncoding',
      'parseQuery',
      'parseRange',
      'query',
      'serveStatic',
      'sse',
      'validate',
      'validationFormatter',
    ]);
  });

  it('should export the sans-IO parser from shallot/parser', () => {
    expect(exportsOf('shallot/parser')).toEqual([
      'BodyChunk',
      'KNOWN_METHODS',
      'MessageEnd',
      'NEED_DATA',
      'PARSER_DEFAULTS',
      'PARSE_ERRORS',
      'ParseError',
      'RequestHead',
      'RequestParser',
      'UpgradeEvent',
      'getField',
    ]);
  });

  it('should export the OpenAPI generator and its server from shallot/openapi', () => {
    expect(exportsOf('shallot/openapi')).toEqual(['PROBLEM_SCHEMAS', 'openapi', 'serveOpenApi']);
  });

  it('should refuse a deep import of an internal module', () => {
    expect(() => exportsOf('shallot/dist/http/context.js')).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  it("should give every entry the same core: an error a middleware throws is the root's HttpError", () => {
    const out = runModule(`
      import { App, HttpError } from 'shallot';
      import { body } from 'shallot/middleware';
      import { ParseError } from 'shallot/parser';
      const app = new App({ logger: false });
      app.use(async (ctx, next) => {
        try { await next(); } catch (err) { ctx.body = { httpError: err instanceof HttpError, status: err.status }; }
      });
      app.use(body());
      app.post('/echo', (ctx) => ({ got: ctx.request.body }));
      const { responses } = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, body: '{' });
      console.log(responses[0].text(), typeof ParseError);
    `);
    expect(out.trim()).toBe('{"httpError":true,"status":400} function');
  });

  it('should keep the bundled core private to the package', () => {
    expect(() => exportsOf('shallot/dist/chunks/core.js')).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  it('should serve a request through the built package', () => {
    const out = runModule(`
      import { App } from 'shallot';
      import { body } from 'shallot/middleware';
      const app = new App({ logger: false });
      app.use(body());
      app.post('/echo', (ctx) => ({ got: ctx.request.body }));
      const { responses } = await app.inject({ method: 'POST', url: '/echo', body: { a: 1 } });
      console.log(responses[0].status, responses[0].text());
    `);
    expect(out.trim()).toBe('200 {"got":{"a":1}}');
  });
});
