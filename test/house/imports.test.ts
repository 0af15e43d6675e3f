/**
 * The rooms of `src` and the direction of their imports (docs/architecture.md): parser ← engine ←
 * http ← router | middleware ← openapi ← app (openapi describes routers and serves through the
 * middleware; it reads an app only through its route listing, never imports it). A file imports only from its own room or a room below it —
 * router and middleware never from each other — and no two files import each other, even through
 * others and even for types only (a cycle of types is still a design that cannot be read one file
 * at a time).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Rank of each room: a file may import from its own room and from rooms of a lower rank. */
const RANK: Record<string, number> = { parser: 0, engine: 1, http: 2, router: 3, middleware: 3, openapi: 4, app: 5 };

function roomOf(file: string): string {
  const rel = path.relative(SRC, file);
  const top = rel.split(path.sep)[0]!;
  return top.endsWith('.ts') ? 'app' : top;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports and re-exports of a file, type-only ones included, resolved to .ts paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(
    /(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g,
  )) {
    const spec = m[1] ?? m[2]!;
    out.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

/** `from → to` for each import that goes to a room of the same or a higher rank (siblings included). */
function upwardImports(graph: Map<string, string[]>): string[] {
  const upward: string[] = [];
  for (const [f, deps] of graph) {
    const from = roomOf(f);
    for (const d of deps) {
      const to = roomOf(d);
      if (from !== to && RANK[to]! >= RANK[from]!) upward.push(`${rel(f)} (${from}) → ${rel(d)} (${to})`);
    }
  }
  return upward;
}

/** Every cycle found by a depth-first walk, as `a → b → a`. */
function cyclesIn(graph: Map<string, string[]>): string[] {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 'open');
    stack.push(f);
    for (const d of graph.get(f) ?? []) {
      if (state.get(d) === 'open') cycles.push([...stack.slice(stack.indexOf(d)), d].map(rel).join(' → '));
      else if (!state.has(d) && graph.has(d)) visit(d);
    }
    stack.pop();
    state.set(f, 'done');
  };
  for (const f of graph.keys()) if (!state.has(f)) visit(f);
  return cycles;
}

const all = files(SRC);
const graph = new Map(all.map((f) => [f, importsOf(f)]));
const rel = (f: string): string => path.relative(SRC, f);
const at = (p: string): string => path.join(SRC, p);

describe('the import graph of src', () => {
  it('should resolve every relative import to a file in src', () => {
    const missing = [...graph].flatMap(([f, deps]) =>
      deps.filter((d) => !graph.has(d)).map((d) => `${rel(f)} → ${rel(d)}`),
    );
    expect(missing).toEqual([]);
  });

  it('should only import from the same room or a room below', () => {
    expect(upwardImports(graph)).toEqual([]);
  });

  it('should have no cycle, type-only imports included', () => {
    expect(cyclesIn(graph)).toEqual([]);
  });

  it('should see imports, type-only ones included, and flag an upward import and a cycle (the checks can fail)', () => {
    expect(importsOf(at('engine/outbox.ts')).map(rel)).toContain('engine/framing.ts');
    expect(importsOf(at('http/context.ts')).map(rel)).toContain('engine/body-source.ts');
    const upward = new Map([
      [at('engine/x.ts'), [at('http/y.ts')]],
      [at('router/r.ts'), [at('middleware/m.ts')]],
      [at('http/y.ts'), [at('parser/p.ts')]],
    ]);
    expect(upwardImports(upward)).toEqual([
      'engine/x.ts (engine) → http/y.ts (http)',
      'router/r.ts (router) → middleware/m.ts (middleware)',
    ]);
    const cyclic = new Map([
      [at('http/a.ts'), [at('http/b.ts')]],
      [at('http/b.ts'), [at('http/c.ts')]],
      [at('http/c.ts'), [at('http/a.ts')]],
    ]);
    expect(cyclesIn(cyclic)).toEqual(['http/a.ts → http/b.ts → http/c.ts → http/a.ts']);
  });
});
