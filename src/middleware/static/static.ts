/**
 * `serveStatic(root, options)`: files from a directory, with validators, conditional requests,
 * byte ranges, precompressed siblings and directory index files — and no way out of `root`.
 *
 * Contract:
 * - Only GET and HEAD under `prefix` are handled; anything else, and any file that does not exist,
 *   falls through to `next()` (so a later middleware or the router may answer, or the stock 404).
 * - A path that tries to leave `root` is refused with 403 before the file system is touched (see
 *   `safe-path.ts` for the list); a symlink whose target lies outside `root` is treated as absent
 *   (404), checked with `realpath` against the real root.
 * - Dotfiles (any segment starting with `.`) follow `dotfiles`: `'deny'` (default) → 403 without
 *   looking at the disk, `'ignore'` → as if absent, `'allow'` → served.
 * - Only regular files are opened (never a FIFO or device), with `O_NOFOLLOW`, and the body is that
 *   open descriptor streamed with backpressure, 512 KiB per read: `Content-Length` is fixed at
 *   `fstat` time and the stream never reads past it. A GET of at most 64 KiB is read whole with one `read()` instead, and
 *   sent as bytes with the head (a file that shrank since `fstat` is a 500: its validators and
 *   range no longer describe it). Every path that does not stream the descriptor closes it.
 * - Conditional requests follow RFC 9110 §13.2.2 (`etag.ts`); Range follows `range.ts`.
 */
import { constants, promises as fsp, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { contentType } from 'mime-types';
import { errorFor } from '../../http/errors.js';
import type { Middleware } from '../../http/app.js';
import type { Context } from '../../http/context.js';
import type { Next } from '../../http/compose.js';
import { negotiateEncoding } from '../compress/accept-encoding.js';
import { evaluatePreconditions, fileETag, ifRangeMatches } from './etag.js';
import { parseRange } from './range.js';
import { isInside, safePath } from './safe-path.js';
import { Buffer } from 'node:buffer';

/** Options of {@link serveStatic}. */
export interface StaticOptions {
  /** URL path the directory is mounted at, e.g. `'/static'` (default `'/'`). */
  prefix?: string;
  /** File served for a directory URL ending in `/`, or `false` for none (default `'index.html'`). */
  index?: string | false;
  /** Dotfile policy: `'deny'` → 403 (default), `'ignore'` → 404, `'allow'` → served. */
  dotfiles?: 'deny' | 'ignore' | 'allow';
  /** `Cache-Control: public, max-age=<maxAge>` — in **seconds** (default 0). */
  maxAge?: number;
  /** Add `immutable` to Cache-Control (for fingerprinted file names). */
  immutable?: boolean;
  /** Set Cache-Control at all (default true). */
  cacheControl?: boolean;
  /** Send a strong ETag and honour If-None-Match / If-Match (default true). */
  etag?: boolean;
  /** Send Last-Modified and honour If-Modified-Since / If-Unmodified-Since (default true). */
  lastModified?: boolean;
  /** Answer `Range` requests and send `Accept-Ranges: bytes` (default true). */
  ranges?: boolean;
  /**
   * Serve `file.br` / `file.gz` in place of `file` to clients that accept that coding, with the
   * original's Content-Type and `Vary: Accept-Encoding`. `true` = `['br', 'gzip']` (the order is
   * the server's preference on ties); `false` to never look. Default true.
   */
  precompressed?: boolean | readonly ('br' | 'gzip')[];
  /** Redirect (301) a directory URL without its trailing slash, query kept (default true). */
  redirect?: boolean;
}

interface Found {
  fh: FileHandle;
  stats: Stats;
  /** The path asked for (after index resolution): its extension gives the Content-Type. */
  name: string;
  /** Content coding of the file opened (`''` for the original). */
  encoding: string;
}

const SIBLING_EXT: Readonly<Record<string, string>> = { br: '.br', gzip: '.gz' };
// O_NONBLOCK: should a FIFO be swapped in between stat and open, open() must not hang a pool thread.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
/** A GET of at most this much is read whole and sent with its head (bench/README.md, "Static files of at most 64 KiB"). */
const WHOLE_READ_MAX = 64 * 1024;
/**
 * Bytes per read of a streamed file. Measured (10 MiB file, wrk -c8, server on one core, 3
 * interleaved runs, req/s medians): 64 KiB 105, 256 KiB 159, 512 KiB 173, 1 MiB 172 — each read is a
 * thread-pool round trip and a socket write. It is also what one download may hold in memory (the
 * chunk being read, the chunk the socket has not taken), so no larger than where the gain stops.
 */
const STREAM_CHUNK = 512 * 1024;

/**
 * Serves the files below `root` at `options.prefix`.
 *
 * @throws {HttpError} 403 `ERR_STATIC_FORBIDDEN` / `ERR_STATIC_DOTFILE`, 400 `ERR_STATIC_MALFORMED_PATH`,
 *   412 `ERR_PRECONDITION_FAILED`, 416 `ERR_RANGE_NOT_SATISFIABLE` (through the error path)
 * @example app.use(serveStatic('public', { prefix: '/static', maxAge: 3600 }))
 */
export function serveStatic(root: string, options: StaticOptions = {}): Middleware {
  const absRoot = path.resolve(root);
  const prefix = normalizePrefix(options.prefix ?? '/');
  const index = options.index === undefined ? 'index.html' : options.index;
  const dotfiles = options.dotfiles ?? 'deny';
  const useEtag = options.etag !== false;
  const useLastModified = options.lastModified !== false;
  const ranges = options.ranges !== false;
  const redirect = options.redirect !== false;
  const precompressed =
    options.precompressed === false
      ? []
      : options.precompressed === true || options.precompressed === undefined
        ? ['br', 'gzip']
        : [...options.precompressed];
  const cacheControl =
    options.cacheControl === false
      ? null
      : `public, max-age=${Math.max(0, Math.floor(options.maxAge ?? 0))}${options.immutable === true ? ', immutable' : ''}`;
  // The real root is resolved once; a root that does not exist (yet) is looked up again next time.
  let realRoot: string | null = null;

  async function locate(
    file: string,
    wantDir: boolean,
    rootReal: string,
  ): Promise<{ real: string; stats: Stats; name: string } | 'redirect' | null> {
    const real = await realpathOrNull(file);
    if (real === null || !isInside(real, rootReal)) return null;
    const stats = await fsp.stat(real);
    if (stats.isDirectory()) {
      if (!wantDir) return redirect ? 'redirect' : null;
      if (index === false) return null;
      const r = await locate(path.join(file, index), false, rootReal);
      return r === 'redirect' ? null : r;
    }
    if (wantDir || !stats.isFile()) return null;
    return { real, stats, name: file };
  }

  return async function serveStaticMiddleware(ctx: Context, next: Next): Promise<void> {
    const method = ctx.method;
    if (method !== 'GET' && method !== 'HEAD') return next();
    const p = ctx.path;
    if (prefix !== '' && p === prefix && redirect) {
      redirectToSlash(ctx, p);
      return;
    }
    if (prefix !== '' && !p.startsWith(`${prefix}/`)) return next();
    const sp = safePath(p.slice(prefix.length), absRoot);
    if (sp === 'forbidden') throw errorFor('ERR_STATIC_FORBIDDEN', 'Forbidden path');
    if (sp === 'malformed') throw errorFor('ERR_STATIC_MALFORMED_PATH', 'Malformed percent-encoding in path');
    if (sp.dotfile && dotfiles !== 'allow') {
      if (dotfiles === 'ignore') return next();
      throw errorFor('ERR_STATIC_DOTFILE', 'Dotfiles are not served');
    }
    realRoot ??= await realpathOrNull(absRoot);
    if (realRoot === null) return next();
    let loc;
    try {
      loc = await locate(sp.file, sp.directory, realRoot);
    } catch (err) {
      throw fsError(err);
    }
    if (loc === null) return next();
    if (loc === 'redirect') {
      redirectToSlash(ctx, p);
      return;
    }
    const found = await open(
      loc.real,
      loc.stats,
      loc.name,
      precompressed.length > 0 ? negotiateSibling(ctx, precompressed) : null,
    );
    if (found === null) return next();
    if (precompressed.length > 0) ctx.vary('Accept-Encoding');
    return respondWith(ctx, found);
  };

  function respondWith(ctx: Context, f: Found): Promise<void> | undefined {
    const { fh, stats } = f;
    const size = stats.size;
    const etag = useEtag ? fileETag(stats, f.encoding) : '';
    ctx.status = 200;
    ctx.set('content-type', contentType(path.extname(f.name)) || 'application/octet-stream');
    if (f.encoding !== '') ctx.set('content-encoding', f.encoding);
    if (etag !== '') ctx.set('etag', etag);
    if (useLastModified) ctx.set('last-modified', stats.mtime.toUTCString());
    if (cacheControl !== null) ctx.set('cache-control', cacheControl);
    if (ranges) ctx.set('accept-ranges', 'bytes');

    // A validator we do not send is one the client cannot hold: its conditional fields are ignored.
    const verdict = evaluatePreconditions((n) => (isValidatorEnabled(n) ? ctx.get(n) : ''), etag, stats.mtime);
    if (verdict !== 'proceed') {
      void fh.close();
      if (verdict === 'failed') throw errorFor('ERR_PRECONDITION_FAILED', 'Precondition failed');
      ctx.status = 304;
      return undefined;
    }

    let start = 0;
    let end = size - 1;
    const rangeHeader = ctx.get('range');
    // RFC 9110 §14.2: GET is the only method range handling is defined for.
    if (
      ranges &&
      rangeHeader !== '' &&
      ctx.method === 'GET' &&
      ifRangeMatches(ctx.get('if-range'), etag, useLastModified ? stats.mtime : null)
    ) {
      const r = parseRange(rangeHeader, size);
      if (r === 'unsatisfiable') {
        void fh.close();
        throw errorFor('ERR_RANGE_NOT_SATISFIABLE', 'Range not satisfiable', {
          headers: { 'content-range': `bytes */${size}` },
        });
      }
      if (r !== 'ignore') {
        start = r.start;
        end = r.end;
        ctx.status = 206;
        ctx.set('content-range', `bytes ${start}-${end}/${size}`);
      }
    }
    if (size === 0) {
      void fh.close();
      ctx.body = Buffer.alloc(0);
      return undefined;
    }
    const length = end - start + 1;
    // Measured (bench, 64 KiB file): a stream costs a pool round-trip per read, one more for EOF,
    // and a chunk written after the head; one read() sends head and bytes in one write.
    if (length <= WHOLE_READ_MAX && ctx.method === 'GET') return readWhole(ctx, fh, start, length);
    // `end` is always given: a file that grows after fstat must not overrun Content-Length.
    ctx.body = fh.createReadStream({ start, end, highWaterMark: STREAM_CHUNK });
    ctx.set('content-length', String(length));
    return undefined;
  }

  function isValidatorEnabled(name: string): boolean {
    if (name === 'if-match' || name === 'if-none-match') return useEtag;
    return useLastModified;
  }
}

/** Reads `length` bytes of `fh` from `start` as the body, then closes it; a file that shrank since its fstat fails. */
async function readWhole(ctx: Context, fh: FileHandle, start: number, length: number): Promise<void> {
  try {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await fh.read(buf, got, length - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < length) throw new Error(`The file shrank while it was read: ${got} of ${length} bytes`);
    ctx.body = buf;
  } finally {
    void fh.close();
  }
}

/** Opens the precompressed sibling the client prefers, else the file itself; null if it vanished. */
async function open(real: string, stats: Stats, name: string, codings: string[] | null): Promise<Found | null> {
  if (codings !== null) {
    for (const enc of codings) {
      const sib = await openRegular(real + SIBLING_EXT[enc]!);
      if (sib !== null) return { fh: sib.fh, stats: sib.stats, name, encoding: enc };
    }
  }
  const own = await openRegular(real);
  if (own === null || own.stats.ino !== stats.ino || own.stats.dev !== stats.dev) {
    // Replaced between realpath/stat and open (a symlink swapped in, say): not what was checked.
    if (own !== null) await own.fh.close();
    return null;
  }
  return { fh: own.fh, stats: own.stats, name, encoding: '' };
}

/** Opens `file` if it is a regular file (not a symlink: O_NOFOLLOW), with its fstat. */
async function openRegular(file: string): Promise<{ fh: FileHandle; stats: Stats } | null> {
  let fh: FileHandle;
  try {
    fh = await fsp.open(file, OPEN_FLAGS);
  } catch {
    return null;
  }
  try {
    const stats = await fh.stat();
    if (stats.isFile()) return { fh, stats };
  } catch {
    // fall through to close
  }
  await fh.close();
  return null;
}

/**
 * The precompressed codings to try, best first: the negotiated one, then (should its file be
 * missing) the next best, and so on. Identity ends the list.
 */
function negotiateSibling(ctx: Context, available: readonly string[]): string[] {
  const header = ctx.request.headers['accept-encoding'];
  if (header === undefined) return [];
  const h = Array.isArray(header) ? header.join(',') : header;
  const out: string[] = [];
  let rest = [...available];
  for (;;) {
    const enc = negotiateEncoding(h, rest);
    if (enc === null || enc === 'identity') return out;
    out.push(enc);
    rest = rest.filter((e) => e !== enc);
  }
}

function redirectToSlash(ctx: Context, p: string): void {
  const qs = ctx.querystring;
  ctx.status = 301;
  ctx.redirect(`${p}/${qs === '' ? '' : `?${qs}`}`);
}

async function realpathOrNull(p: string): Promise<string | null> {
  try {
    return await fsp.realpath(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'ENAMETOOLONG') return null;
    throw fsError(err);
  }
}

/** Permission problems are 403; anything else is a server error (500, message not exposed). */
function fsError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return errorFor('ERR_STATIC_FORBIDDEN', 'Forbidden', { cause: err });
  return err;
}

function normalizePrefix(prefix: string): string {
  let p = prefix.startsWith('/') ? prefix : `/${prefix}`;
  while (p.endsWith('/')) p = p.slice(0, -1);
  return p;
}
