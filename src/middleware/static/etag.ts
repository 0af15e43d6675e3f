/**
 * Validators for files — a strong ETag and Last-Modified — and the conditional-request rules that
 * use them (RFC 9110 §8.8, §13).
 *
 * Contract: {@link evaluatePreconditions} applies RFC 9110 §13.2.2's order exactly:
 *   1. If-Match (else If-Unmodified-Since) failing → 412;
 *   2. If-None-Match matching → 304 (GET/HEAD) — and when If-None-Match is present,
 *      If-Modified-Since is *not* evaluated ("If-None-Match wins", §13.1.3);
 *   3. otherwise If-Modified-Since not modified → 304 (GET/HEAD only);
 *   4. If-Range (§13.1.5) decides whether a Range header is honoured at all.
 */
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';

/**
 * A strong entity tag for a file's current contents: a hash of size, mtime (ns precision where
 * the platform has it), inode and a representation tag (so `x.js` and `x.js.br` never share one).
 * Hashed so the tag does not disclose inode numbers.
 *
 * @example fileETag(await fh.stat(), 'br') // '"3q2-7Yc…"'
 */
export function fileETag(st: Stats, representation = ''): string {
  const h = createHash('sha1')
    .update(`${st.size}:${st.mtimeMs}:${st.ino}:${st.dev}:${representation}`)
    .digest('base64url');
  return `"${st.size.toString(36)}-${h.slice(0, 22)}"`;
}

/** What the preconditions decided. */
export type PreconditionResult = 'proceed' | 'not-modified' | 'failed';

/** Request validator fields, by lowercase name (`ctx.get` fits). */
export type HeaderGetter = (name: string) => string;

/**
 * Evaluates If-Match, If-Unmodified-Since, If-None-Match and If-Modified-Since for a GET/HEAD of a
 * representation with `etag` and `mtime`.
 *
 * @example if (evaluatePreconditions((n) => ctx.get(n), etag, st.mtime) === 'not-modified') ctx.status = 304
 */
export function evaluatePreconditions(get: HeaderGetter, etag: string, mtime: Date): PreconditionResult {
  const ifMatch = get('if-match');
  if (ifMatch !== '') {
    // §13.1.1: strong comparison.
    if (!matchesList(ifMatch, etag, true)) return 'failed';
  } else {
    const ius = get('if-unmodified-since');
    const t = ius === '' ? NaN : Date.parse(ius);
    if (!Number.isNaN(t) && seconds(mtime) > t) return 'failed';
  }
  const inm = get('if-none-match');
  if (inm !== '') {
    // §13.1.2: weak comparison; for GET/HEAD a match means 304.
    return matchesList(inm, etag, false) ? 'not-modified' : 'proceed';
  }
  const ims = get('if-modified-since');
  const t = ims === '' ? NaN : Date.parse(ims);
  // §13.1.3: an invalid date, or one in the future relative to the file, is ignored — compare
  // at whole seconds, the resolution of an HTTP-date.
  if (!Number.isNaN(t) && seconds(mtime) <= t) return 'not-modified';
  return 'proceed';
}

/**
 * If-Range (§13.1.5): true when the Range header may be honoured — no If-Range, a strong ETag that
 * matches exactly, or an HTTP-date equal to Last-Modified. A weak tag never matches; `''` / `null`
 * stand for a validator that is not sent (and so cannot match).
 *
 * @example if (!ifRangeMatches(ctx.get('if-range'), etag, st.mtime)) sendWholeFile()
 */
export function ifRangeMatches(ifRange: string, etag: string, mtime: Date | null): boolean {
  const v = ifRange.trim();
  if (v === '') return true;
  if (v.startsWith('"') || v.startsWith('W/')) return etag !== '' && !v.startsWith('W/') && v === etag;
  const t = Date.parse(v);
  return mtime !== null && !Number.isNaN(t) && t === seconds(mtime);
}

/** `*` or a comma-separated list of entity tags, compared strongly or weakly. */
function matchesList(list: string, etag: string, strong: boolean): boolean {
  const trimmed = list.trim();
  if (trimmed === '*') return true;
  if (strong && etag.startsWith('W/')) return false;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const raw of trimmed.split(',')) {
    const tag = raw.trim();
    if (tag.startsWith('W/')) {
      if (!strong && tag.slice(2) === opaque) return true;
    } else if (tag === opaque) {
      return true;
    }
  }
  return false;
}

/** Milliseconds truncated to whole seconds, as an HTTP-date carries them. */
function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000) * 1000;
}
