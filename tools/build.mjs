/**
 * `npm run build`: the package as published, in dist/.
 *
 * 1. `tsc -p tsconfig.build.json` checks src/ and writes the declarations (.d.ts, with maps) to
 *    dist/ and the JavaScript to .tmp/build/.
 * 2. The core — every module `shallot` (src/index.ts) loads — is bundled by esbuild into ONE file,
 *    dist/chunks/core.js, which exports every name those modules export. Package-private: other
 *    files reach it as `#core` (package.json `imports`); `exports` does not list it.
 * 3. The root entry, dist/index.js, is one line re-exporting its names from core.js. The other
 *    three entries of package.json's `exports` are bundled into dist/ (`middleware/index.js`,
 *    `parser/index.js`, `openapi/index.js`, and chunks they share, dist/chunks/) with every import
 *    of a core module rewritten to `#core`. So a core module is one module whichever entry reached
 *    it, and its classes one class (`instanceof` holds across entries); `import('shallot')` loads
 *    two files, index.js and core.js.
 *
 * Dependencies stay external imports; the source maps lead back to src/. Not `keepNames`: it calls
 * a helper defining `name` on every function a closure creates, at run time — a property store per
 * closure, ~2 KiB per open SSE stream (heap snapshot) — to keep the names of the few top-level
 * functions bundling renames (`App2` for src/http/app.ts's App, which only the exported App extends).
 *
 * Why one core file: cold start (issue 18, target 9; bench/README.md, "Cold start"). Loading the
 * ~60 ES modules tsc writes cost ~38 ms of `import('shallot')`; esbuild's own code splitting still
 * left the root entry on seven files (spawn → first response 84.7 ms against node:http's 70.7);
 * one core file: 80.2 against 69.0.
 *
 * Rules: dist/ is made only here (it is emptied first, so no file of an older build survives). A
 * name two core modules export with different values is core.js's export of the root entry's
 * binding if the root exports it (`App`: src/app.ts, not src/http/app.ts), else not exported; the
 * build fails if a module outside the core imports such a name (every entry is loaded at the end).
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const JS = path.join(ROOT, '.tmp/build');
const DIST = path.join(ROOT, 'dist');
const ENTRIES = ['index', 'middleware/index', 'parser/index', 'openapi/index'];
const CORE_ID = '#core';
const CORE_SOURCE = path.join(JS, '__core.js');

const COMMON = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
};

rmSync(DIST, { recursive: true, force: true });
rmSync(JS, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
  cwd: ROOT,
  stdio: 'inherit',
});

// The core: the modules the root entry reaches (the entry file itself only re-exports).
const rootEntry = path.join(JS, 'index.js');
const probe = await build({ ...COMMON, entryPoints: [rootEntry], outdir: DIST, write: false, metafile: true });
const core = new Set(
  Object.keys(probe.metafile.inputs)
    .map((p) => path.resolve(ROOT, p))
    .filter((p) => p !== rootEntry),
);

// core.js's exports: each name once. Where core modules bind a name to different values, the root
// entry's binding if it exports the name, else none (see the rule above).
const root = await import(pathToFileURL(rootEntry).href);
const bindings = new Map();
for (const file of core) {
  const ns = await import(pathToFileURL(file).href);
  for (const [name, value] of Object.entries(ns)) {
    if (!bindings.has(name)) bindings.set(name, []);
    bindings.get(name).push({ file, value });
  }
}
const byFile = new Map();
for (const [name, found] of bindings) {
  const one = found.every((b) => b.value === found[0].value)
    ? found[0]
    : name in root
      ? found.find((b) => b.value === root[name])
      : undefined;
  if (one === undefined) continue;
  if (!byFile.has(one.file)) byFile.set(one.file, []);
  byFile.get(one.file).push(name);
}
writeFileSync(
  CORE_SOURCE,
  [...byFile]
    .map(
      ([file, names]) =>
        `export { ${names.join(', ')} } from './${path.relative(JS, file).split(path.sep).join('/')}';`,
    )
    .join('\n') + '\n',
);
await build({ ...COMMON, entryPoints: [CORE_SOURCE], outfile: path.join(DIST, 'chunks/core.js') });

/** Every import of a core module, from outside the core, becomes an import of `#core`. */
const toCore = {
  name: 'shallot-core',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === 'entry-point') return undefined;
      const target = path.resolve(args.resolveDir, args.path);
      return core.has(target) ? { path: CORE_ID, external: true } : undefined;
    });
  },
};
await build({
  ...COMMON,
  entryPoints: ENTRIES.filter((e) => e !== 'index').map((e) => path.join(JS, `${e}.js`)),
  outbase: JS,
  outdir: DIST,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  plugins: [toCore],
});

// The root entry only re-exports core names: written here, one line, so that it loads nothing else.
writeFileSync(path.join(DIST, 'index.js'), `export { ${Object.keys(root).join(', ')} } from './chunks/core.js';\n`);

// Every entry loads: each name it imports from #core exists there.
for (const e of ENTRIES) await import(pathToFileURL(path.join(DIST, `${e}.js`)).href);
