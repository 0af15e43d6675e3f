/**
 * Keeps `docs/errors.md` and the error tables in the source in sync, in both directions (Fastify's
 * `test/internals/errors.test.js` idea): every code in the source is documented with the same
 * status, and every documented code exists. The parser's table is `PARSE_ERRORS`; the server's is
 * `ERRORS` in `src/http/errors.ts`, so adding a server error takes a row under
 * "## Server errors (ERR_*)".
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PARSE_ERRORS } from '../../src/parser/errors.js';
import { ERRORS } from '../../src/http/errors.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const doc = readFileSync(path.join(root, 'docs/errors.md'), 'utf8');

interface Row {
  code: string;
  status: number;
  meaning: string;
}

/** The table rows (`| code | status | meaning |`) between `heading` and the next `## ` heading. */
function rowsUnder(markdown: string, heading: string): Row[] {
  const start = markdown.split('\n').findIndex((l) => l.trim() === heading);
  if (start < 0) throw new Error(`docs/errors.md has no heading "${heading}"`);
  const rows: Row[] = [];
  for (const line of markdown.split('\n').slice(start + 1)) {
    if (line.startsWith('## ')) break;
    const cells = line
      .trim()
      .match(/^\|(.*)\|$/)?.[1]
      ?.split(/(?<!\\)\|/)
      .map((c) => c.trim());
    if (cells === undefined || cells[0] === 'code' || /^-+$/.test(cells[0] ?? '')) continue;
    rows.push({ code: (cells[0] ?? '').replace(/`/g, ''), status: Number(cells[1]), meaning: cells[2] ?? '' });
  }
  return rows;
}

/** `{ code: status }` from an error table shaped as a record (`{ CODE: { status } }`) or a list (`[{ code, status }]`). */
function statusesOf(table: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const entries: Array<[string, unknown]> = Array.isArray(table)
    ? table.map((e: { code: string }) => [e.code, e])
    : Object.entries(table as Record<string, unknown>);
  for (const [key, entry] of entries) {
    const e = entry as { code?: string; status?: number };
    out[e.code ?? key] = e.status ?? Number.NaN;
  }
  return out;
}

function expectInSync(rows: Row[], source: Record<string, number>, prefix: string): void {
  const documented = Object.fromEntries(rows.map((r) => [r.code, r.status]));
  expect(
    rows.map((r) => r.code),
    'a code is documented twice',
  ).toEqual([...new Set(rows.map((r) => r.code))]);
  for (const r of rows) {
    expect(r.code, 'documented codes carry the section prefix').toMatch(new RegExp(`^${prefix}[A-Z0-9_]+$`));
    expect(r.meaning, `${r.code} needs a meaning`).not.toBe('');
  }
  // Source → doc: every code is documented with the same status.
  for (const [code, status] of Object.entries(source))
    expect({ code, status: documented[code] }).toEqual({ code, status });
  // Doc → source: every documented code exists.
  for (const r of rows) expect(source[r.code], `${r.code} is documented but not in the source`).toBe(r.status);
}

describe('docs/errors.md', () => {
  it('should list every parser code with its status, and only those', () => {
    const rows = rowsUnder(doc, '## Parser errors (HPE_*)');
    expect(rows.length).toBeGreaterThan(0);
    expectInSync(rows, statusesOf(PARSE_ERRORS), 'HPE_');
  });

  it('should have a section for the server codes', () => {
    expect(() => rowsUnder(doc, '## Server errors (ERR_*)')).not.toThrow();
  });

  it('should list every server code with its status, and only those', () => {
    expectInSync(rowsUnder(doc, '## Server errors (ERR_*)'), statusesOf(ERRORS), 'ERR_');
  });

  it('should read rows the way the checks above rely on', () => {
    const sample =
      '## A\n| code | status | meaning |\n| --- | --- | --- |\n| `X_ONE` | 400 | a \\| b |\n\n## B\n| `X_TWO` | 500 | c |\n';
    expect(rowsUnder(sample, '## A')).toEqual([{ code: 'X_ONE', status: 400, meaning: 'a \\| b' }]);
    expect(statusesOf([{ code: 'X_ONE', status: 400 }])).toEqual({ X_ONE: 400 });
    expect(statusesOf({ X_TWO: { status: 500 } })).toEqual({ X_TWO: 500 });
  });
});
