/**
 * Every TypeScript block in docs/*.md and README.md is type-checked against `src/` (one `tsc` run for
 * all of them), and every block marked ` ```ts run ` is executed and must exit 0: docs that drift
 * from the code fail here. The info-string convention is in `./doc-blocks.ts`.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSnippets, docFiles, extractBlocks, runSnippet, RUN_TIMEOUT_MS, type Block } from './doc-blocks.js';

const blocks = docFiles().flatMap((file) => extractBlocks(file));
const checked = blocks.filter((b) => b.mode !== 'fragment');
const nameOf = (b: Block) => `${b.file.replace(/[^A-Za-z0-9]+/g, '_')}__L${b.line}`;
const result = checkSnippets(checked.map((b) => ({ name: nameOf(b), code: b.code })));

afterAll(() => rmSync(result.dir, { recursive: true, force: true }));

describe('the TypeScript blocks of the docs', () => {
  it('should find blocks to check, and keep fragments (unchecked blocks) rare', () => {
    expect(checked.length).toBeGreaterThan(20);
    expect(blocks.filter((b) => b.mode === 'fragment').length).toBeLessThanOrEqual(Math.ceil(blocks.length / 10));
  });

  it('should type-check the harness itself without errors outside the blocks', () => {
    expect(result.other).toEqual([]);
  });

  it.each(checked.map((b) => [`${b.file}:${b.line}`, b] as const))('%s should type-check', (_where, b) => {
    // Report each error at its line in the Markdown file.
    const errors = (result.errors.get(nameOf(b)) ?? []).map((e) => {
      const [pos, ...rest] = e.split(' ');
      const [l, c] = pos!.split(':').map(Number);
      return `${b.file}:${b.line + l! - 1}:${c} ${rest.join(' ')}`;
    });
    expect(errors).toEqual([]);
  });

  const runnable = checked.filter((b) => b.mode === 'run');
  it.each(runnable.map((b) => [`${b.file}:${b.line}`, b] as const))(
    '%s should run and exit 0',
    async (_where, b) => {
      const { code, output, timedOut } = await runSnippet(result, nameOf(b));
      expect({ timedOut, code, output: code === 0 ? '' : output }).toEqual({ timedOut: false, code: 0, output: '' });
    },
    RUN_TIMEOUT_MS + 5_000,
  );
});
