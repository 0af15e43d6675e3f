/**
 * The peer frameworks (Koa, Fastify, Hono, …) are not dependencies of shallot. They live in
 * `bench/peers`, a package of its own with a pinned lockfile; `npm run bench` installs it there
 * (`npm ci`) the first time, and again whenever its lockfile changes, and runs the peer servers
 * (`bench/peers/servers/*.mjs`) from that folder, where their imports resolve.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.js';

/** Packages whose versions RESULTS.md records. */
export const PEER_PACKAGES = [
  'koa',
  '@koa/router',
  '@koa/bodyparser',
  'fastify',
  'find-my-way',
  'hono',
  '@hono/node-server',
  '@fastify/multipart',
  'ws',
  '@fastify/websocket',
  '@fastify/static',
  'koa-static',
];

/**
 * Returns the path of the ready peer package (`bench/peers`), installing it first when its
 * node_modules is missing or was installed from another lockfile.
 * @throws when an npm step fails.
 */
export async function preparePeers(projectRoot: string, log: (s: string) => void): Promise<string> {
  const dir = join(projectRoot, 'bench/peers');
  const stamp = join(dir, 'node_modules/.shallot-lock-hash');
  const hash = createHash('sha256')
    .update(readFileSync(join(dir, 'package-lock.json')))
    .digest('hex');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== hash) {
    log(`installing the peers into ${dir} (npm ci; once per lockfile) …`);
    const r = await run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`npm ci failed in ${dir}:\n${r.stderr.slice(-2000)}`);
    writeFileSync(stamp, hash);
  }
  return dir;
}

/** `name@version` of each package as installed in `root`'s node_modules (or `name@?`). */
export function versions(root: string, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    try {
      out[n] = (
        JSON.parse(readFileSync(join(root, 'node_modules', n, 'package.json'), 'utf8')) as { version: string }
      ).version;
    } catch {
      out[n] = '?';
    }
  }
  return out;
}
