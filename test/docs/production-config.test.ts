/**
 * docs/production.md shows the nginx config `npm run test:e2e` runs: its ```nginx block is
 * test/e2e/nginx-shallot.conf, byte for byte, so the page cannot drift from what was tested.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './doc-blocks.js';

/** The contents of every ```nginx block of a Markdown text. */
function nginxBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```nginx\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

describe('docs/production.md', () => {
  it('should show the nginx config the e2e test runs, unchanged', () => {
    const page = readFileSync(path.join(ROOT, 'docs/production.md'), 'utf8');
    const conf = readFileSync(path.join(ROOT, 'test/e2e/nginx-shallot.conf'), 'utf8');
    expect(nginxBlocks(page)).toEqual([conf]);
  });

  it('should find a block and tell an edited one apart (the check can fail)', () => {
    const md = 'x\n```nginx\nupstream a {}\n```\n';
    expect(nginxBlocks(md)).toEqual(['upstream a {}\n']);
    expect(nginxBlocks(md)).not.toEqual(['upstream b {}\n']);
  });
});
