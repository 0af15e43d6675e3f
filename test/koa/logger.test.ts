/**
 * `koa-logger` from npm around streamed bodies: it reads `ctx.response.length`, watches `ctx.res`
 * with on-finished, and logs `-->` when the response finished or `-x-` when it was cut. Both need
 * `ctx.res` to behave as Node's response does for a stream the Context sends.
 */
import { Readable } from 'node:stream';
import koaLogger from 'koa-logger';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/index.js';
import { closeAll, deferred, serve } from '../helpers/server.js';

afterEach(closeAll);

/** An app with koa-logger writing to `lines` (colours stripped); `ended` resolves on its second line. */
function loggedApp() {
  const app = new App({ logger: false });
  const lines: string[] = [];
  const errors: Error[] = [];
  const ended = deferred<string>();
  app.on('error', (err: Error) => errors.push(err));
  app.use(
    koaLogger((line) => {
      const plain = line.replace(/\u001b\[\d+m/g, '');
      lines.push(plain);
      if (lines.length === 2) ended.resolve(plain);
    }),
  );
  return { app, lines, errors, ended: ended.promise };
}

describe('koa-logger with a streamed body', () => {
  it('should stream the body whole and log the response as finished', async () => {
    const { app, ended } = loggedApp();
    app.use((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = Readable.from(['one ', 'two ', 'three']);
    });
    const { url } = await serve(app);
    const res = await fetch(`${url}/stream`);
    expect(await res.text()).toBe('one two three');
    expect(await ended).toMatch(/--> GET \/stream 200 /);
  });

  // As under Koa: on-finished sees the socket close without an error, so koa-logger writes `-->`;
  // the stream's failure reaches app.on('error') and the client sees the response cut.
  it('should log a stream that fails after the head once, cut the response and report the failure', async () => {
    const { app, lines, errors, ended } = loggedApp();
    app.use((ctx) => {
      ctx.type = 'text/plain';
      ctx.body = new Readable({
        read() {
          this.push('partial ');
          this.destroy(new Error('upstream broke'));
        },
      });
    });
    const { url } = await serve(app);
    await expect(fetch(`${url}/stream`).then((r) => r.text())).rejects.toThrow();
    expect(await ended).toMatch(/--> GET \/stream 200 /);
    expect(lines).toHaveLength(2);
    expect(errors.map((e) => e.message)).toEqual(['upstream broke']);
  });
});
