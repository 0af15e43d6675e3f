/**
 * Every relative link in docs/*.md and README.md resolves, so the docs cannot point at a file that
 * moved. A link whose text is one code span naming a symbol and whose target is a TypeScript file
 * — [`Connection.#onHead`](../src/engine/connection.ts), [`frameHead`](../src/engine/framing.ts),
 * [`App.inject()`](../src/http/app.ts) — also names something that file declares: each dotted part
 * must be declared in it (a class, function, const, type or interface for the first part; a
 * method, accessor or field for the next ones). The convention is stated at the top of
 * docs/request-journey.md, the page that leans on it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, docFiles } from './doc-blocks.js';

interface Link {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly target: string;
}

/** Inline Markdown links outside code blocks and code spans: `[text](target)`. */
function linksOf(file: string, markdown: string): Link[] {
  const links: Link[] = [];
  let fence: string | null = null;
  markdown.split('\n').forEach((raw, i) => {
    const f = /^\s*(`{3,})/.exec(raw);
    if (f !== null) {
      if (fence === null) fence = f[1]!;
      else if (raw.trim() === fence) fence = null;
      return;
    }
    if (fence !== null) return;
    // Code spans that hold a `[…](…)` are not links; a link's text may itself be a code span.
    const line = raw.replace(/(?<!\[)`[^`]*`(?!\])/g, (span) => (span.includes('](') ? '``' : span));
    for (const m of line.matchAll(/\[((?:[^[\]]|\[[^\]]*\])*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      links.push({ file, line: i + 1, text: m[1]!, target: m[2]! });
    }
  });
  return links;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#');

/**
 * The symbol a link's text names, or null: one code span holding `Name`, `Name.member`,
 * `Name.#member()` or `Name.[kSymbol]` (a method keyed by a module symbol).
 */
function symbolOf(text: string): string[] | null {
  const m = /^`([A-Za-z_$][\w$]*(?:\.(?:#?[\w$]+|\[[\w$]+\]))*)(?:\(\))?`$/.exec(text.trim());
  return m === null ? null : m[1]!.split('.');
}

const escape = (s: string) => s.replace(/[$[\]]/g, (c) => `\\${c}`);

/** Whether `source` declares the dotted symbol `parts` (top-level name, then members). */
function declares(source: string, parts: string[]): boolean {
  const [top, ...members] = parts;
  const topLevel = new RegExp(
    `^\\s*(?:export\\s+)?(?:default\\s+)?(?:declare\\s+)?(?:abstract\\s+)?(?:async\\s+)?` +
      `(?:class|function\\*?|const|let|var|type|interface|enum)\\s+${escape(top!)}\\b`,
    'm',
  );
  if (!topLevel.test(source)) return false;
  return members.every((member) =>
    new RegExp(
      `^\\s+(?:(?:public|private|protected|static|readonly|async|override|declare|get|set)\\s+)*\\*?` +
        `${escape(member)}\\s*[(<:=?!;]`,
      'm',
    ).test(source),
  );
}

const links = docFiles().flatMap((file) => linksOf(file, readFileSync(path.join(ROOT, file), 'utf8')));
const relative = links.filter((l) => !isExternal(l.target));

describe('the links of the docs', () => {
  it('should find relative links, and symbol links to check', () => {
    expect(relative.length).toBeGreaterThan(30);
    expect(
      relative.filter((l) => symbolOf(l.text) !== null && l.target.split('#')[0]!.endsWith('.ts')).length,
    ).toBeGreaterThan(15);
  });

  it.each(relative.map((l) => [`${l.file}:${l.line} ${l.target}`, l] as const))('%s should resolve', (_where, l) => {
    const target = decodeURIComponent(l.target.split('#')[0]!);
    const resolved =
      target === '' ? path.join(ROOT, l.file) : path.resolve(path.dirname(path.join(ROOT, l.file)), target);
    expect(existsSync(resolved), `${l.file}:${l.line}: ${l.target} does not exist`).toBe(true);
    const parts = symbolOf(l.text);
    if (parts !== null && resolved.endsWith('.ts') && statSync(resolved).isFile()) {
      expect(
        declares(readFileSync(resolved, 'utf8'), parts),
        `${l.file}:${l.line}: ${l.text} is not declared in ${l.target}`,
      ).toBe(true);
    }
  });
});

describe('declares()', () => {
  const source = [
    'export class Connection {',
    '  #onHead(head: Head): void {}',
    '  static get size(): number { return 1 }',
    '  readonly phase: Phase = "reading";',
    '  [kRun](ex: Exchange): void {}',
    '}',
    'export function frameHead(): void {}',
  ].join('\n');

  it('should find a class, its private method, accessor, field and symbol-keyed method, and a function', () => {
    expect(declares(source, ['Connection', '#onHead'])).toBe(true);
    expect(declares(source, ['Connection', 'size'])).toBe(true);
    expect(declares(source, ['Connection', 'phase'])).toBe(true);
    expect(declares(source, ['Connection', '[kRun]'])).toBe(true);
    expect(declares(source, ['frameHead'])).toBe(true);
  });

  it('should not find a symbol the file does not declare', () => {
    expect(declares(source, ['Connection', '#onBody'])).toBe(false);
    expect(declares(source, ['Outbox'])).toBe(false);
    expect(declares(source, ['frame'])).toBe(false);
    expect(declares(source, ['Connection', '[kSettle]'])).toBe(false);
  });
});
