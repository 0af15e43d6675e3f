/**
 * The demo page in a real browser: headless Chromium (Debian package `chromium`) loads
 * `examples/hello.ts`'s app from a listening server and prints the DOM after its scripts ran
 * (`--dump-dom`); the test asserts what the page shows — app.js ran, style.css applied (a
 * computed colour the script writes into the DOM), GET / answered, and SSE ticks arrived.
 *
 * Runs under `npm run test:browser` (vitest.browser.config.ts), never under `npm test`. Where no
 * Chromium is installed the suite is skipped with a message saying so; set CHROMIUM_PATH to use
 * another binary.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../examples/hello.js';
import { createApp as createChat } from '../../examples/chat.js';
import type { Server } from '../../src/index.js';
import { chromium, dumpDom } from '../helpers/chromium.js';

/** The `<output id=…>` element's attributes and text, from dumped HTML. */
function output(html: string, id: string): { attrs: string; text: string } {
  const m = new RegExp(`<output id="${id}"([^>]*)>([^<]*)</output>`).exec(html);
  if (m === null) throw new Error(`no <output id="${id}"> in:\n${html}`);
  return { attrs: m[1]!, text: m[2]! };
}

describe.skipIf(chromium === undefined)(
  `demo pages in headless Chromium (${chromium ?? 'not installed: skipped'})`,
  () => {
    let server: Server;
    let base: string;
    beforeAll(async () => {
      server = app.listen({ port: 0, host: '127.0.0.1' });
      await new Promise((resolve) => server.once('listening', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => server.close());

    it('should run app.js, apply style.css and reach the API on /static/', async () => {
      const html = await dumpDom(`${base}/static/`, 3000);
      const script = output(html, 'script-status');
      expect(script.attrs).toContain('data-state="ok"');
      expect(script.text).toBe('app.js ran');
      // The colour style.css gives #title, read back with getComputedStyle by app.js.
      expect(html).toContain('data-title-colour="rgb(46, 125, 50)"');
      expect(output(html, 'css-status').attrs).toContain('data-state="ok"');
      const api = output(html, 'api-status');
      expect(api.attrs).toContain('data-state="ok"');
      expect(api.text).toContain('Hello, world!');
    });

    it('should show Server-Sent Events ticks arriving on the SSE clock page', async () => {
      const html = await dumpDom(`${base}/static/sse.html?every=100`, 3000);
      expect(output(html, 'sse-status').attrs).toContain('data-state="ok"');
      const count = Number(/data-count="(\d+)"/.exec(html)?.[1]);
      expect(count).toBeGreaterThanOrEqual(3);
      // Ticks carry increasing ids and ISO times.
      const ticks = [...html.matchAll(/<li>tick (\d+) at (\d{4}-\d\d-\d\dT[\d:.]+Z)<\/li>/g)];
      expect(ticks.length).toBe(count);
      expect(ticks.map((t) => Number(t[1]))).toEqual(ticks.map((_, i) => i + 1));
    });
  },
);

describe.skipIf(chromium === undefined)(`the chat page in headless Chromium (${chromium ?? 'skipped'})`, () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createChat().listen({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('should log in with a cookie, open the room socket and show its own message broadcast back', async () => {
    const html = await dumpDom(`${base}/static/chat.html?name=ada&room=lobby&say=hello%20room`, 3000);
    const status = output(html, 'status');
    expect(status.attrs).toContain('data-state="open"');
    expect(status.text).toBe('in lobby');
    expect(html).toContain('<li>server: ada joined</li>');
    expect(html).toContain('<li>ada: hello room</li>');
  });
});
