/**
 * The harness behind the docs' code-block test and the type-message tests: TypeScript snippets written
 * to one folder beside a tsconfig that maps `shallot`, `shallot/middleware`, `shallot/parser` and
 * `shallot/openapi` to `src/`, checked by one run of the project's own `tsc`, and (for the runnable
 * ones) executed with tsx.
 *
 * Convention for a fenced block's info string in docs/*.md and README.md:
 * - ` ```ts ` — a complete module: type-checked.
 * - ` ```ts run ` — a complete module that is also run, and must exit 0 within {@link RUN_TIMEOUT_MS}
 *   (use `app.inject`, or `listen(0)` and close).
 * - ` ```ts fragment ` — part of a program (a line to show, not a module): not checked. Keep them rare.
 *
 * The folder lives in the project's git-ignored `.tmp/`, so that `zod` and the other packages resolve
 * from it as they do from the project (not under `node_modules/`: tsx applies no tsconfig `paths` to
 * a file there), and it has its own `package.json` (`"type": "module"`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RUN_TIMEOUT_MS = 10_000;

export interface Block {
  /** Path relative to the project root, e.g. `docs/routing.md`. */
  readonly file: string;
  /** 1-based line of the block's first code line in `file`. */
  readonly line: number;
  readonly code: string;
  readonly mode: 'check' | 'run' | 'fragment';
}

/** Every Markdown file the docs tests cover: README.md and docs/*.md (not the generated reference). */
export function docFiles(): string[] {
  const docs = readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`);
  return ['README.md', ...docs];
}

/** The ```ts blocks of a Markdown file (indented fences included), with their mode. */
export function extractBlocks(file: string, markdown = readFileSync(path.join(ROOT, file), 'utf8')): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(.*)$/.exec(lines[i]!);
    if (open === null) continue;
    const [, indent, fence, info] = open as unknown as [string, string, string, string];
    const words = info.trim().split(/\s+/);
    let end = i + 1;
    while (end < lines.length && !new RegExp(`^\\s*${fence}\\s*$`).test(lines[end]!)) end++;
    if (words[0] === 'ts' || words[0] === 'typescript') {
      const mode = words.includes('fragment') ? 'fragment' : words.includes('run') ? 'run' : 'check';
      const code = lines
        .slice(i + 1, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l))
        .join('\n');
      blocks.push({ file, line: i + 2, code, mode });
    }
    i = end;
  }
  return blocks;
}

export interface Snippet {
  /** A file name for the snippet, unique in one check (letters, digits, `-`, `_`). */
  readonly name: string;
  readonly code: string;
}

export interface CheckedSnippets {
  readonly dir: string;
  /** Type errors by snippet name, each `line:col TSxxxx message` (line within the snippet). */
  readonly errors: Map<string, string[]>;
  /** Errors outside the snippets (a broken mapping, a tsconfig problem): should be none. */
  readonly other: string[];
  pathOf(name: string): string;
}

/** Writes the snippets to a fresh folder and type-checks them all with one `tsc` run. */
export function checkSnippets(snippets: readonly Snippet[], label = 'blocks'): CheckedSnippets {
  const cache = path.join(ROOT, '.tmp');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(path.join(cache, `shallot-${label}-`));
  const src = (entry: string) => [path.join(ROOT, 'src', entry)];
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  writeFileSync(
    path.join(dir, 'tsconfig.json'),
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          verbatimModuleSyntax: true,
          isolatedModules: true,
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules/@types')],
          paths: {
            shallot: src('index.ts'),
            'shallot/middleware': src('middleware/index.ts'),
            'shallot/parser': src('parser/index.ts'),
            'shallot/openapi': src('openapi/index.ts'),
          },
        },
        include: ['*.ts'],
      },
      null,
      2,
    ),
  );
  for (const s of snippets) writeFileSync(path.join(dir, `${s.name}.ts`), s.code);
  const tsc = path.join(ROOT, 'node_modules/.bin/tsc');
  const out = spawnSync(tsc, ['-p', path.join(dir, 'tsconfig.json'), '--pretty', 'false'], {
    encoding: 'utf8',
    cwd: dir,
  });
  const errors = new Map<string, string[]>();
  const other: string[] = [];
  // tsc prints `file(line,col): error TSxxxx: message`, then indented lines that continue it.
  let last: string[] | null = null;
  for (const line of `${out.stdout}\n${out.stderr}`.split('\n')) {
    const m = /^(.*?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (m !== null) {
      const [, file, l, c, code, message] = m as unknown as [string, string, string, string, string, string];
      const name = path.basename(file, '.ts');
      const inDir = path.resolve(dir, file).startsWith(dir + path.sep);
      const entry = `${l}:${c} ${code} ${message}`;
      if (inDir && snippets.some((s) => s.name === name)) {
        const list = errors.get(name) ?? [];
        list.push(entry);
        errors.set(name, list);
        last = list;
      } else {
        other.push(`${file} ${entry}`);
        last = other;
      }
    } else if (line.startsWith(' ') && last !== null && last.length > 0) {
      last[last.length - 1] += `\n${line}`;
    } else if (line.trim() !== '') {
      other.push(line);
      last = null;
    }
  }
  return { dir, errors, other, pathOf: (name) => path.join(dir, `${name}.ts`) };
}

/** Runs a checked snippet with tsx (the folder's tsconfig maps the entries); resolves with its exit. */
export function runSnippet(
  checked: CheckedSnippets,
  name: string,
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', checked.pathOf(name)], {
      cwd: checked.dir,
      env: { ...process.env, TSX_TSCONFIG_PATH: path.join(checked.dir, 'tsconfig.json'), NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, RUN_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, timedOut });
    });
  });
}
