/**
 * Type-checking cost of named routes: generates route tables of 100, 400 and 800 named routes
 * (bench/lib/route-fixture.ts) and compiles each with `tsc --extendedDiagnostics`, so a change to
 * the route methods' types shows whether checking stays linear in the number of routes.
 *
 * Run: `npx tsx bench/router-types.ts [counts…] [--runs N] [--router path]` (default `100 400 800`,
 * 3 runs; `--router` measures another router module, e.g. one in an export of an older commit
 * that has a `node_modules` link to this checkout's). Prints
 * a markdown table per form: chained named routes with a `url()` call per name, with one call
 * after the chain, with none, and one statement per route. `Check time` is the best of the runs, since other work on
 * the machine only ever adds to it; instantiations and types are the same every run. Figures are
 * indicative: compare rows of one run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTsc, writeRouteFixture, type FixtureOptions } from './lib/route-fixture.js';

const args = process.argv.slice(2);
function option(name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args.splice(at, 2)[1];
}
const runs = Number(option('--runs') ?? 3);
const router = option('--router');
const counts = args.length > 0 ? args.map(Number) : [100, 400, 800];

const FORMS: { label: string; options: Omit<FixtureOptions, 'count'> }[] = [
  { label: 'chained, url() per name', options: { form: 'chained', urls: 'each' } },
  { label: 'chained, one url()', options: { form: 'chained', urls: 'last' } },
  { label: 'chained, no url()', options: { form: 'chained' } },
  { label: 'separate statements', options: { form: 'separate' } },
];

const dir = mkdtempSync(path.join(os.tmpdir(), 'shallot-router-types-'));
try {
  for (const { label, options } of FORMS) {
    console.log(`\n### ${label}\n`);
    console.log('| routes | check time | per route | instantiations | types |');
    console.log('|---:|---:|---:|---:|---:|');
    for (const count of counts) {
      const tsconfig = writeRouteFixture(dir, {
        count,
        ...options,
        ...(router === undefined ? {} : { router: path.resolve(router) }),
      });
      let best = Infinity;
      let stats: Record<string, number> = {};
      for (let r = 0; r < runs; r++) {
        const result = runTsc(tsconfig);
        const fixtureErrors = result.errors.split('\n').filter((l) => l.includes('fixture.ts'));
        if (fixtureErrors.length > 0)
          throw new Error(`the fixture does not type-check:\n${fixtureErrors.slice(0, 5).join('\n')}`);
        if (result.stats['Check time']! < best) best = result.stats['Check time']!;
        stats = result.stats;
      }
      const perRoute = `${((best * 1e6) / count).toFixed(0)} µs`;
      console.log(`| ${count} | ${best.toFixed(2)} s | ${perRoute} | ${stats['Instantiations']} | ${stats['Types']} |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
