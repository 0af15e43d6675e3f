/**
 * The docs page of examples/rest.ts in a real browser with no network but the loopback: headless
 * Chromium resolves every host but 127.0.0.1 to nothing (`--host-resolver-rules`), loads `/docs`,
 * and the DOM after its scripts ran lists each operation of the document — so the page, Swagger
 * UI's assets and the document all came from shallot itself.
 *
 * Runs under `npm run test:browser` (vitest.browser.config.ts); skipped with a message where no
 * Chromium is installed (CHROMIUM_PATH picks another binary).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../examples/rest.js';
import type { Server } from '../../src/index.js';

const CANDIDATES = [
  process.env['CHROMIUM_PATH'],
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];
const chromium = CANDIDATES.find((p): p is string => p !== undefined && p !== '' && existsSync(p));

if (chromium === undefined) {
  console.warn(
    '\n[test:browser] SKIPPED: Chromium not found (install the Debian package `chromium`, or set CHROMIUM_PATH).\n',
  );
}

/** Loads `url` offline (only 127.0.0.1 resolves) and resolves with the DOM after `budgetMs` of virtual time. */
function dumpDomOffline(url: string, budgetMs: number): Promise<string> {
  const profile = mkdtempSync(path.join(tmpdir(), 'shallot-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
    `--user-data-dir=${profile}`,
    `--virtual-time-budget=${budgetMs}`,
    '--dump-dom',
    url,
  ];
  return new Promise((resolve, reject) => {
    execFile(chromium!, args, { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      rmSync(profile, { recursive: true, force: true });
      if (err !== null) reject(new Error(`chromium failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

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
    const html = await dumpDomOffline(`${base}/docs`, 10_000);
    const listed = [...html.matchAll(/data-path="([^"]+)"/g)].map((m) => m[1]!);
    const methods = [...html.matchAll(/opblock-summary-method">([A-Z]+)</g)].map((m) => m[1]!);
    expect(new Set(listed)).toEqual(new Set(['/', '/api/todos', '/api/todos/{id}', '/api/todos/{id}/attachments']));
    expect(methods.sort()).toEqual(['DELETE', 'GET', 'GET', 'GET', 'PATCH', 'POST', 'POST']);
    expect(html).toContain('Add a todo');
  });
});
