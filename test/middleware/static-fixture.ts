/**
 * A throwaway directory tree for the serveStatic tests, built fresh per test file under the OS
 * temp dir: a root with ordinary files, precompressed siblings, dotfiles, directories with and
 * without an index, symlinks that stay inside and ones that point outside, and a secret next to
 * the root that no request may reach.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';

/** Paths of a built fixture. */
export interface StaticFixture {
  /** The directory served. */
  root: string;
  /** A directory beside the root, holding `secret.txt`. */
  outside: string;
  /** The base temp dir (remove with {@link removeFixture}). */
  base: string;
}

export const SECRET = 'TOP SECRET: must never be served';
export const APP_JS = `document.title = 'app';\n${'// padding so compression has something to do\n'.repeat(40)}`;
export const STYLE_CSS = 'body { color: rgb(1, 2, 3); }\n';
/** 1000 bytes: byte i is i % 251, so any range can be checked by value. */
export const DATA = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 251));

/** Builds the tree; see the module comment. */
export function buildFixture(): StaticFixture {
  const base = mkdtempSync(path.join(tmpdir(), 'shallot-static-'));
  const root = path.join(base, 'public');
  const outside = path.join(base, 'outside');
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>root index</title>');
  writeFileSync(path.join(root, 'style.css'), STYLE_CSS);
  writeFileSync(path.join(root, 'app.js'), APP_JS);
  writeFileSync(path.join(root, 'app.js.br'), brotliCompressSync(APP_JS));
  writeFileSync(path.join(root, 'app.js.gz'), gzipSync(APP_JS));
  writeFileSync(path.join(root, 'data.bin'), DATA);
  writeFileSync(path.join(root, 'empty.txt'), '');
  writeFileSync(path.join(root, 'noext'), 'no extension');
  writeFileSync(path.join(root, 'photo.png'), Buffer.from('89504e470d0a1a0a', 'hex'));
  writeFileSync(path.join(root, '.env'), 'PASSWORD=hunter2');
  mkdirSync(path.join(root, '.hidden'));
  writeFileSync(path.join(root, '.hidden', 'secret.txt'), 'hidden');
  mkdirSync(path.join(root, 'sub'));
  writeFileSync(path.join(root, 'sub', 'index.html'), '<!doctype html><title>sub index</title>');
  writeFileSync(path.join(root, 'sub', 'page.txt'), 'sub page');
  mkdirSync(path.join(root, 'noindex'));
  writeFileSync(path.join(root, 'noindex', 'file.txt'), 'x');
  writeFileSync(path.join(root, '%2e%2e'), 'a file literally named %2e%2e');
  symlinkSync(path.join(root, 'style.css'), path.join(root, 'link-inside.css'));
  symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'link-outside.txt'));
  symlinkSync(outside, path.join(root, 'dirlink-outside'));
  symlinkSync('../outside/secret.txt', path.join(root, 'relative-link-outside.txt'));
  return { root, outside, base };
}

/** Removes a fixture built by {@link buildFixture}. */
export function removeFixture(f: StaticFixture): void {
  rmSync(f.base, { recursive: true, force: true });
}
