/**
 * What importing shallot and answering a plain request loads (issue 18, cold start): the packages
 * a request may need but start-up does not — content negotiation, media types, conditional
 * requests, attachments, multipart, TLS — are loaded on first use (src/http/deferred-modules.ts),
 * so they are not loaded by `import('shallot')`, nor by serving `GET /` with a text body.
 *
 * Each case runs in a fresh Node process (this one has loaded everything long ago).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const DEFERRED = ['accepts', 'busboy', 'content-disposition', 'fresh', 'mime-types', 'mime-db', 'pino', 'type-is'];

/** Runs `body` (an ES module using `App` from src/index.ts) in a fresh process; returns the packages and builtins it loaded. */
function loadedBy(body: string): { packages: string[]; builtins: string[] } {
  const script = `
    import { createRequire } from 'node:module';
    import { App } from ${JSON.stringify(path.join(ROOT, 'src/index.ts'))};
    ${body}
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const packages = [...new Set(cache.map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter(Boolean))];
    const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13));
    process.stdout.write(JSON.stringify({ packages, builtins }));
  `;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out) as { packages: string[]; builtins: string[] };
}

describe('start-up', () => {
  it('should not load the packages a plain request does not need when shallot is imported and serves GET /', () => {
    const { packages, builtins } = loadedBy(`
      const app = new App({ logger: false });
      app.get('/', () => 'Hello, World!');
      const { responses } = await app.inject({ url: '/' });
      if (responses[0].text() !== 'Hello, World!') throw new Error('no answer');
    `);
    expect(packages.filter((p) => DEFERRED.includes(p))).toEqual([]);
    expect(builtins).not.toContain('tls');
    // zlib only for a compressed body. (os, util, async_hooks: tsx, which runs this, loads them itself.)
    expect(builtins).not.toContain('zlib');
  });

  it('should load a deferred package when a request needs it, and answer with it', () => {
    const { packages } = loadedBy(`
      const app = new App({ logger: false });
      app.get('/', (ctx) => (ctx.accepts('json') ? { json: true } : 'text'));
      const { responses } = await app.inject({ url: '/', headers: { accept: 'application/json' } });
      if (responses[0].text() !== '{"json":true}') throw new Error('wrong answer: ' + responses[0].text());
    `);
    expect(packages).toContain('accepts');
  });
});
