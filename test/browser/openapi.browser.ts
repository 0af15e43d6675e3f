/**
 * The docs page of examples/rest.ts in a real browser with no network but the loopback: headless
 * Chromium resolves every host but 127.0.0.1 to nothing (`--host-resolver-rules`), loads `/docs`,
 * and the DOM after its scripts ran lists each operation of the document — so the page, Swagger
 * UI's assets and the document all came from shallot itself.
 *
 * Runs under `npm run test:browser` (vitest.browser.config.ts); skipped with a message where no
 * Chromium is installed (CHROMIUM_PATH picks another binary).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/rest.js';
import type { Server } from '../../src/index.js';
import { chromium, dumpDom } from '../helpers/chromium.js';

describe.skipIf(chromium === undefined)(`the OpenAPI docs page in headless Chromium (${chromium ?? 'skipped'})`, () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createApp().listen({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('should render every operation of the document, offline, from assets shallot served', async () => {
    const html = await dumpDom(`${base}/docs`, 10_000, { offline: true });
    const listed = [...html.matchAll(/data-path="([^"]+)"/g)].map((m) => m[1]!);
    const methods = [...html.matchAll(/opblock-summary-method">([A-Z]+)</g)].map((m) => m[1]!);
    expect(new Set(listed)).toEqual(new Set(['/', '/api/todos', '/api/todos/{id}', '/api/todos/{id}/attachments']));
    expect(methods.sort()).toEqual(['DELETE', 'GET', 'GET', 'GET', 'PATCH', 'POST', 'POST']);
    expect(html).toContain('Add a todo');
  });
});
