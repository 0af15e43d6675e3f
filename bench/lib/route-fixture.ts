/**
 * Generated route tables for type-checking at scale: one TypeScript file that registers `count`
 * named routes, `router.get('name-i', '/path-i/:id', (ctx) => ctx.params.id)`, and a tsconfig that
 * checks it (and the shallot sources it imports) with the project's own compiler options.
 * Used by bench/router-types.ts (timings) and test/router/named-routes-scale.test.ts (correctness).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * How the routes are written: one chained expression (every call sees the names so far, so
 * `url()` is typed by them), or one statement per route on a plain `Router` variable.
 */
export type FixtureForm = 'chained' | 'separate';

/** What a fixture registers and calls. */
export interface FixtureOptions {
  count: number;
  form: FixtureForm;
  /** Then call `router.url('name-i', { id: i })` for every route, or only for the last one. */
  urls?: 'each' | 'last';
  /** The router module to import, absolute (default: this checkout's src/router/router.ts). */
  router?: string;
  /** Lines appended to the fixture, where `router` is the router built above. */
  extra?: readonly string[];
}

/**
 * Writes `fixture.ts`, `package.json` and `tsconfig.json` into `dir` (created if missing); returns the tsconfig path.
 *
 * @example
 * const tsconfig = writeRouteFixture('/tmp/x', { count: 800, form: 'chained', urls: 'each' })
 */
export function writeRouteFixture(dir: string, options: FixtureOptions): string {
  mkdirSync(dir, { recursive: true });
  const module = options.router ?? path.join(ROOT, 'src/router/router.js');
  const router = path.relative(dir, module.replace(/\.ts$/, '.js')).split(path.sep).join('/');
  const lines = [`import { Router } from '${router.startsWith('.') ? router : `./${router}`}';`];
  const route = (i: number): string => `get('name-${i}', '/path-${i}/:id', (ctx) => ctx.params.id)`;
  if (options.form === 'chained') {
    lines.push('export const router = new Router()');
    for (let i = 0; i < options.count; i++) lines.push(`  .${route(i)}`);
    lines.push(';');
    const first = options.urls === 'each' ? 0 : options.urls === 'last' ? options.count - 1 : options.count;
    for (let i = first; i < options.count; i++) lines.push(`router.url('name-${i}', { id: ${i} });`);
  } else {
    lines.push('export const router = new Router();');
    for (let i = 0; i < options.count; i++) lines.push(`router.${route(i)};`);
  }
  lines.push(...(options.extra ?? []));
  writeFileSync(path.join(dir, 'fixture.ts'), `${lines.join('\n')}\n`);
  // An ES module wherever `dir` is, as the project's own files are.
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }\n');
  const tsconfig = path.join(dir, 'tsconfig.json');
  const config = {
    extends: path.join(ROOT, 'tsconfig.json'),
    compilerOptions: { rootDir: '/', typeRoots: [path.join(ROOT, 'node_modules/@types')] },
    include: [path.join(dir, 'fixture.ts')],
    exclude: [],
  };
  writeFileSync(tsconfig, JSON.stringify(config, null, 2));
  return tsconfig;
}

/** What one compile reported. */
export interface TscResult {
  /** Diagnostics as printed, `''` when none. */
  errors: string;
  /** `--extendedDiagnostics` figures by name (`Check time` in seconds, counts as numbers). */
  stats: Record<string, number>;
}

/**
 * Type-checks a project with the repository's `tsc`, with `--extendedDiagnostics`.
 *
 * @example
 * runTsc(tsconfig).stats['Check time'] // 0.84
 */
export function runTsc(tsconfig: string): TscResult {
  // `typescript/bin/tsc` is not in the package's exports: find it beside its package.json.
  const tsc = path.join(path.dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin/tsc');
  const out = spawnSync(
    process.execPath,
    [tsc, '-p', tsconfig, '--noEmit', '--extendedDiagnostics', '--pretty', 'false'],
    { encoding: 'utf8' },
  );
  const stats: Record<string, number> = {};
  const errors: string[] = [];
  for (const line of out.stdout.split('\n')) {
    const m = /^([A-Za-z ]+):\s+([\d.]+)(s|K)?$/.exec(line);
    if (m !== null) stats[m[1]!] = Number(m[2]);
    else if (/error TS\d+/.test(line)) errors.push(line);
  }
  return { errors: errors.join('\n') + out.stderr, stats };
}
