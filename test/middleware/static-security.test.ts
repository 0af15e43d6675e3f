/**
 * serveStatic(): one test per way out of the root. Every request is sent as raw bytes through
 * `app.inject`, because real clients normalise `..` and re-encode paths before sending them — an
 * attacker's bytes are exactly what reaches the server here. Each test asserts the status and that
 * no byte of a file outside the root (or /etc/passwd) came back; a downstream handler that echoes
 * "fell through" shows which requests were passed on instead of answered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { serveStatic, type StaticOptions } from '../../src/middleware/index.js';
import { SECRET, buildFixture, removeFixture, type StaticFixture } from './static-fixture.js';

let fx: StaticFixture;
beforeAll(() => {
  fx = buildFixture();
});
afterAll(() => removeFixture(fx));

function makeApp(opts: StaticOptions = {}): App {
  const app = new App({ logger: false });
  app.use(serveStatic(fx.root, { prefix: '/static', ...opts }));
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = 'fell through';
  });
  return app;
}

/** Sends `GET <target>` as raw bytes; returns status, code (for problem bodies) and body text. */
async function raw(
  target: string,
  app = makeApp(),
): Promise<{ status: number; code: string | undefined; body: string }> {
  const { responses } = await app.inject(`GET ${target} HTTP/1.1\r\nHost: a\r\n\r\n`);
  const res = responses[0]!;
  const body = res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(body) as { code?: string }).code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code, body };
}

/** No secret, no passwd line. */
function leakFree(body: string): void {
  expect(body).not.toContain(SECRET);
  expect(body).not.toContain('root:');
  expect(body).not.toContain('hunter2');
}

describe('serveStatic() path traversal', () => {
  it('should refuse a raw ../ with 403', async () => {
    const r = await raw('/static/../outside/secret.txt');
    expect(r.status).toBe(403);
    expect(r.code).toBe('ERR_STATIC_FORBIDDEN');
    leakFree(r.body);
  });

  it('should refuse ../ hidden inside a longer path with 403', async () => {
    const r = await raw('/static/sub/../../outside/secret.txt');
    expect(r.status).toBe(403);
    leakFree(r.body);
  });

  it('should refuse percent-encoded dots (%2e%2e) with 403', async () => {
    const r = await raw('/static/%2e%2e/outside/secret.txt');
    expect(r.status).toBe(403);
    expect(r.code).toBe('ERR_STATIC_FORBIDDEN');
    leakFree(r.body);
  });

  it('should refuse mixed-case and half-encoded dots (%2E., .%2e) with 403', async () => {
    for (const t of [
      '/static/%2E%2E/outside/secret.txt',
      '/static/.%2e/outside/secret.txt',
      '/static/%2e./outside/secret.txt',
    ]) {
      const r = await raw(t);
      expect(r.status, t).toBe(403);
      leakFree(r.body);
    }
  });

  it('should refuse encoded slashes (..%2f..%2fetc/passwd) with 403', async () => {
    const r = await raw('/static/..%2f..%2fetc/passwd');
    expect(r.status).toBe(403);
    expect(r.code).toBe('ERR_STATIC_FORBIDDEN');
    leakFree(r.body);
  });

  it('should refuse an encoded slash even without dots (%2F) with 403', async () => {
    const r = await raw('/static/sub%2Fpage.txt');
    expect(r.status).toBe(403);
  });

  it('should refuse a fully encoded absolute path (%2Fetc%2Fpasswd) with 403', async () => {
    const r = await raw('/static/%2Fetc%2Fpasswd');
    expect(r.status).toBe(403);
    leakFree(r.body);
  });

  it('should refuse an absolute path after the prefix (//etc/passwd) with 403', async () => {
    const r = await raw('/static//etc/passwd');
    expect(r.status).toBe(403);
    leakFree(r.body);
  });

  it('should refuse an absolute path at the root mount (//etc/passwd) with 403', async () => {
    const app = new App({ logger: false });
    app.use(serveStatic(fx.root));
    const r = await raw('//etc/passwd', app);
    expect(r.status).toBe(403);
    leakFree(r.body);
  });

  it('should refuse encoded backslashes (..%5c..%5cetc%5cpasswd) with 403', async () => {
    const r = await raw('/static/..%5c..%5coutside%5csecret.txt');
    expect(r.status).toBe(403);
    leakFree(r.body);
  });

  it('should refuse raw backslashes with 403 (or the parser rejects the target)', async () => {
    const r = await raw('/static/..\\..\\outside\\secret.txt');
    expect([400, 403]).toContain(r.status);
    leakFree(r.body);
  });

  it('should refuse a NUL byte (%00) with 403', async () => {
    const r = await raw('/static/style.css%00.png');
    expect(r.status).toBe(403);
    expect(r.code).toBe('ERR_STATIC_FORBIDDEN');
  });

  it('should refuse a NUL byte used to cut a traversal (%00) with 403', async () => {
    const r = await raw('/static/..%00/outside/secret.txt');
    expect(r.status).toBe(403);
    leakFree(r.body);
  });

  it('should refuse a single-dot segment with 403', async () => {
    const r = await raw('/static/./style.css');
    expect(r.status).toBe(403);
  });

  it('should answer 400 for malformed percent-encoding, including overlong UTF-8 dots (%c0%ae)', async () => {
    for (const t of ['/static/%zz', '/static/%', '/static/%c0%ae%c0%ae/outside/secret.txt']) {
      const r = await raw(t);
      expect(r.status, t).toBe(400);
      expect(r.code).toBe('ERR_STATIC_MALFORMED_PATH');
      leakFree(r.body);
    }
  });

  it('should decode only once: a double-encoded traversal (%252e%252e%252f) is just a missing name', async () => {
    const r = await raw('/static/%252e%252e%252foutside%252fsecret.txt');
    expect(r.status).toBe(404);
    expect(r.body).toBe('fell through');
  });

  it('should refuse traversal in an absolute-form request target with 403', async () => {
    const r = await raw('http://a/static/../outside/secret.txt');
    expect(r.status).toBe(403);
    leakFree(r.body);
  });
});

describe('serveStatic() symlinks', () => {
  it('should treat a symlink to a file outside the root as absent (404)', async () => {
    const r = await raw('/static/link-outside.txt');
    expect(r.status).toBe(404);
    expect(r.body).toBe('fell through');
  });

  it('should treat a relative symlink climbing out of the root as absent (404)', async () => {
    const r = await raw('/static/relative-link-outside.txt');
    expect(r.status).toBe(404);
    leakFree(r.body);
  });

  it('should not follow a symlinked directory out of the root (404)', async () => {
    const r = await raw('/static/dirlink-outside/secret.txt');
    expect(r.status).toBe(404);
    leakFree(r.body);
  });

  it('should not redirect into a symlinked directory outside the root', async () => {
    const r = await raw('/static/dirlink-outside');
    expect(r.status).toBe(404);
  });
});

describe('serveStatic() dotfiles', () => {
  it('should deny a dotfile with 403 by default', async () => {
    const r = await raw('/static/.env');
    expect(r.status).toBe(403);
    expect(r.code).toBe('ERR_STATIC_DOTFILE');
    leakFree(r.body);
  });

  it('should deny a file inside a dot-directory with 403 by default', async () => {
    const r = await raw('/static/.hidden/secret.txt');
    expect(r.status).toBe(403);
    expect(r.code).toBe('ERR_STATIC_DOTFILE');
  });

  it('should deny an encoded dotfile name (%2eenv) with 403', async () => {
    const r = await raw('/static/%2eenv');
    expect(r.status).toBe(403);
    leakFree(r.body);
  });

  it('should deny a dotfile that does not exist with the same 403 (no existence oracle)', async () => {
    const r = await raw('/static/.does-not-exist');
    expect(r.status).toBe(403);
  });

  it("should act as if a dotfile is absent (404) with dotfiles: 'ignore'", async () => {
    const r = await raw('/static/.env', makeApp({ dotfiles: 'ignore' }));
    expect(r.status).toBe(404);
    expect(r.body).toBe('fell through');
  });

  it("should serve dotfiles with dotfiles: 'allow'", async () => {
    const r = await raw('/static/.env', makeApp({ dotfiles: 'allow' }));
    expect(r.status).toBe(200);
    expect(r.body).toBe('PASSWORD=hunter2');
  });

  it("should still refuse traversal with dotfiles: 'allow' (.. is not a dotfile)", async () => {
    const r = await raw('/static/../outside/secret.txt', makeApp({ dotfiles: 'allow' }));
    expect(r.status).toBe(403);
    leakFree(r.body);
  });
});
