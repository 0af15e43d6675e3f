/**
 * Every error code the project emits is registered: each `ERR_*` string in src is a row of `ERRORS`
 * (src/http/errors.ts) and each `HPE_*` a row of `PARSE_ERRORS` — so its status and wording live in
 * one place, and the docs-sync test (test/docs/errors-doc.test.ts) covers it. Comments are not
 * scanned (their examples name made-up codes).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../src/http/errors.js';
import { PARSE_ERRORS } from '../../src/parser/errors.js';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Codes that are Node's, not ours: emitted to look like Node's own stream errors. */
const NODE_CODES = new Set(['ERR_STREAM_WRITE_AFTER_END', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_PREMATURE_CLOSE']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The `ERR_*` / `HPE_*` string literals of a source text, comments removed first. */
function codesIn(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  return [...code.matchAll(/['"`]((?:ERR|HPE)_[A-Z0-9_]+)['"`]/g)].map((m) => m[1]!);
}

describe('error codes', () => {
  it('should register every code that src emits', () => {
    const unregistered: string[] = [];
    for (const f of files(SRC)) {
      for (const c of codesIn(readFileSync(f, 'utf8'))) {
        const known = c.startsWith('HPE_') ? c in PARSE_ERRORS : c in ERRORS || NODE_CODES.has(c);
        if (!known) unregistered.push(`${path.relative(SRC, f)}: ${c}`);
      }
    }
    expect(unregistered).toEqual([]);
  });

  it('should find codes in code and not in comments (the check can fail)', () => {
    expect(
      codesIn(
        `/** @example throw new HttpError(400, 'x', { code: 'ERR_MADE_UP' }) */\nthrow errorFor('ERR_REAL_ONE');\n// 'ERR_IN_A_COMMENT'`,
      ),
    ).toEqual(['ERR_REAL_ONE']);
  });
});
