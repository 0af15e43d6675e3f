/**
 * Headless Chromium for the browser suites (`npm run test:browser`): the binary, if one is
 * installed (Debian's `chromium`, or CHROMIUM_PATH), and `dumpDom()`, which loads a page and
 * returns its DOM after its scripts ran. A suite is skipped with a message where none is found.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const CANDIDATES = [
  process.env['CHROMIUM_PATH'],
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

/** The Chromium binary, or undefined (then a warning is printed: visible in the run, not only as a skipped count). */
export const chromium = CANDIDATES.find((p): p is string => p !== undefined && p !== '' && existsSync(p));

if (chromium === undefined) {
  console.warn(
    '\n[test:browser] SKIPPED: Chromium not found (install the Debian package `chromium`, or set CHROMIUM_PATH).\n',
  );
}

/**
 * Loads `url` in headless Chromium (a fresh profile) and resolves with the DOM after `budgetMs` of
 * virtual time. `offline`: every host but 127.0.0.1 resolves to nothing, so whatever the page
 * shows came from the local server.
 */
export function dumpDom(url: string, budgetMs: number, options: { offline?: boolean } = {}): Promise<string> {
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
    ...(options.offline === true ? ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'] : []),
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
