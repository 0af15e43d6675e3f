/**
 * Named routes at scale: a generated chain of 1,200 named routes type-checks, and `url()` on it
 * still knows every name and its params. 1,200 is past the 1,000 steps after which TypeScript
 * stops a tail-recursive conditional type, so a walk of the names one route per step would fail
 * here (TS2589). How long checking takes is measured by bench/router-types.ts, not asserted here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runTsc, writeRouteFixture } from '../../bench/lib/route-fixture.js';

const COUNT = 1200;
const dir = mkdtempSync(path.join(os.tmpdir(), 'shallot-named-routes-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a chain of named routes', () => {
  it(`should type-check ${COUNT} chained named routes and type url() by each of them`, () => {
    const tsconfig = writeRouteFixture(dir, {
      count: COUNT,
      form: 'chained',
      extra: [
        `router.url('name-0', { id: 1 });`,
        `router.url('name-${COUNT - 1}', { id: 'x' });`,
        `// @ts-expect-error -- not a registered name`,
        `router.url('name-${COUNT}', { id: 1 });`,
        `// @ts-expect-error -- 'slug' is not a param of '/path-7/:id'`,
        `router.url('name-7', { slug: 1 });`,
      ],
    });
    const { errors } = runTsc(tsconfig);
    expect(errors.split('\n').filter((line) => line.includes('fixture.ts'))).toEqual([]);
  });
});
