/**
 * `npm run docs`: the API reference, generated from the TSDoc of the four entries into
 * `dist-docs/api/` (git-ignored) by typedoc, which fails on any warning (`treatWarningsAsErrors`).
 *
 * typedoc drives TypeScript 5's compiler API, which the project's TypeScript 7 (the native compiler)
 * does not have, so typedoc and its TypeScript live in this package of their own, with a pinned
 * lockfile. It is installed here with `npm ci` the first time, and again whenever the lockfile
 * changes (the way bench/lib/peers.ts installs bench/peers).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const stamp = join(dir, 'node_modules/.shallot-lock-hash');
const hash = createHash('sha256')
  .update(readFileSync(join(dir, 'package-lock.json')))
  .digest('hex');

if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== hash) {
  console.log(`installing typedoc into ${dir} (npm ci; once per lockfile) …`);
  const ci = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
  if (ci.status !== 0) process.exit(ci.status ?? 1);
  writeFileSync(stamp, hash);
}

const typedoc = spawnSync(join(dir, 'node_modules/.bin/typedoc'), ['--options', 'typedoc.json'], {
  cwd: dir,
  stdio: 'inherit',
});
process.exit(typedoc.status ?? 1);
