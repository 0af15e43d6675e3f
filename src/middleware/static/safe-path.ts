/**
 * Maps the path part of a request URL onto a file below a root directory, refusing every way out.
 *
 * Contract: the raw (still percent-encoded) URL path is split on `/` *before* decoding, each
 * segment is decoded exactly once, and the decoded segment must be a plain file name. Refused:
 * - a `\` anywhere (raw or as `%5C`): a separator on Windows and a traversal tool everywhere;
 * - a decoded segment holding `/` (`%2F`) or NUL (`%00`);
 * - `.` and `..` segments, raw or encoded (`%2e%2e`): clients normalise them away, so one that
 *   reaches us is an attack — we refuse it instead of resolving it;
 * - an empty segment anywhere but last (`//etc/passwd`, and `//evil.example` would make a
 *   directory redirect an open redirect);
 * - malformed percent-encoding (`%zz`, a lone `%`, invalid UTF-8).
 * Dotfile segments (`.env`, `.git/`) are reported, not refused: the caller applies its policy.
 * Symlinks are the caller's job (a realpath check needs the file system).
 */
import path from 'node:path';

/** Why a path was refused. */
export type PathRefusal = 'forbidden' | 'malformed';

/** A path that may be served: its decoded segments, and what it asks for. */
export interface SafePath {
  /** Decoded segments (the trailing empty segment of a directory URL removed). */
  segments: string[];
  /** The URL ended in `/`: a directory is asked for. */
  directory: boolean;
  /** Some segment starts with `.` (the caller's dotfile policy decides). */
  dotfile: boolean;
  /** `root` joined with the segments; always `root` itself or below it. */
  file: string;
}

/**
 * Decodes and checks `urlPath` (which starts with `/`) against `root` (an absolute, resolved path).
 *
 * @example safePath('/css/site.css', '/srv/www') // { segments: ['css','site.css'], file: '/srv/www/css/site.css', … }
 * @example safePath('/..%2f..%2fetc/passwd', '/srv/www') // 'forbidden'
 */
export function safePath(urlPath: string, root: string): SafePath | PathRefusal {
  if (urlPath.charCodeAt(0) !== 0x2f) return 'forbidden';
  if (urlPath.includes('\\') || /%5c/i.test(urlPath)) return 'forbidden';
  const raw = urlPath.slice(1).split('/');
  const directory = raw[raw.length - 1] === '';
  if (directory) raw.pop();
  const segments: string[] = [];
  let dotfile = false;
  for (const r of raw) {
    if (r === '') return 'forbidden';
    let seg: string;
    try {
      seg = decodeURIComponent(r);
    } catch {
      return 'malformed';
    }
    if (seg === '.' || seg === '..' || seg.includes('/') || seg.includes('\0') || seg.includes('\\'))
      return 'forbidden';
    if (seg.charCodeAt(0) === 0x2e) dotfile = true;
    segments.push(seg);
  }
  const file = path.join(root, ...segments);
  // Belt and braces: after the checks above no segment can climb, but the invariant is cheap.
  if (file !== root && !file.startsWith(root.endsWith(path.sep) ? root : root + path.sep)) return 'forbidden';
  return { segments, directory, dotfile, file };
}

/**
 * Whether `p` (a realpath) is `root` (a realpath) or inside it — by path segments, so
 * `/srv/www-old` is not inside `/srv/www`.
 *
 * @example isInside(await realpath(file), realRoot)
 */
export function isInside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}
