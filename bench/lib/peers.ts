/**
 * The peer frameworks (Koa, Fastify, Hono, …) are not dependencies of this project. At run time
 * the driver copies ../shared/bench-peers into a temporary directory, installs its pinned tree
 * there with `npm ci` (plus @koa/bodyparser, which that tree lacks), and runs the peer servers —
 * theirs and our own bench/servers files that import a peer — from that copy.
 *
 * The install is kept between runs, keyed by a hash of the lock file and the extra packages, so
 * only the first run pays for it (`rm -rf /tmp/shallot-bench-peers-*` to drop it).
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { run } from './proc.js';

/** Installed into the temporary copy only (the shared tree has no body parser for Koa). */
const EXTRA = ['@koa/bodyparser@6.1.0'];

/** Packages whose versions RESULTS.md records. */
export const PEER_PACKAGES = ['koa', '@koa/router', '@koa/bodyparser', 'fastify', 'find-my-way', 'hono', '@hono/node-server'];

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644);
  }
}

/**
 * Returns the path of a ready peer install, making it if needed, with `ours` (project-relative
 * bench/servers files) copied into its `ours/` folder.
 * @throws when the shared folder is missing or an npm step fails.
 */
export async function preparePeers(projectRoot: string, shared: string, ours: readonly string[], log: (s: string) => void): Promise<string> {
  if (!existsSync(join(shared, 'package-lock.json'))) throw new Error(`no peer harness at ${shared} (set BENCH_PEERS to its path)`);
  const key = createHash('sha256').update(readFileSync(join(shared, 'package-lock.json'))).update(EXTRA.join(',')).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `shallot-bench-peers-${key}`);
  if (!existsSync(join(dir, '.ready'))) {
    log(`installing the peers into ${dir} (npm ci, once) …`);
    rmSync(dir, { recursive: true, force: true });
    cpSync(shared, dir, { recursive: true, filter: (src) => basename(src) !== 'node_modules' && basename(src) !== 'results' });
    makeWritable(dir); // the shared folder is read-only, and cpSync keeps modes
    const npm = async (args: string[]): Promise<void> => {
      const r = await run('npm', args, { cwd: dir, timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`npm ${args.join(' ')} failed in ${dir}:\n${r.stderr.slice(-2000)}`);
    };
    await npm(['ci', '--no-audit', '--no-fund']);
    await npm(['install', '--no-save', '--no-audit', '--no-fund', ...EXTRA]);
    writeFileSync(join(dir, '.ready'), new Date().toISOString());
  }
  mkdirSync(join(dir, 'ours'), { recursive: true });
  for (const f of ours) copyFileSync(join(projectRoot, f), join(dir, 'ours', basename(f)));
  return dir;
}

/** `name@version` of each package as installed in `root`'s node_modules (or `name@?`). */
export function versions(root: string, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    try {
      out[n] = (JSON.parse(readFileSync(join(root, 'node_modules', n, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      out[n] = '?';
    }
  }
  return out;
}
