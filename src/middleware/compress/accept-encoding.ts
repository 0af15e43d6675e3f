/**
 * `Accept-Encoding` negotiation (RFC 9110 §12.5.3), shared by `compress()` and `serveStatic()`'s
 * precompressed siblings.
 *
 * Contract:
 * - A coding the client lists with `q=0` is never chosen; `*` stands for every coding the client
 *   did not name (so `*;q=0` forbids them all).
 * - `identity` is acceptable unless excluded (`identity;q=0`, or `*;q=0` without `identity`). When
 *   the client does not name it, it ranks below every coding it did name — a client that lists
 *   `gzip;q=0.5` wants gzip rather than nothing (the `negotiator` package's rule too).
 * - No header at all means "no preference": we answer with identity, which every client reads.
 *   An empty header means identity only (RFC 9110 §12.5.3).
 * - Ties go to the server's order of preference (the order of `available`).
 */

/** One `coding;q=…` element of the header. */
export interface AcceptedCoding {
  /** Lowercased coding name, or `*`. */
  name: string;
  /** Quality in [0, 1]. */
  q: number;
}

/** `weight = OWS ";" OWS "q=" qvalue`, qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * Parses an `Accept-Encoding` value. An element with a malformed q-value is dropped (it cannot be
 * understood, so it neither grants nor forbids anything).
 *
 * @example parseAcceptEncoding('br;q=1, gzip;q=0.5, *;q=0') // [{name:'br',q:1},{name:'gzip',q:0.5},{name:'*',q:0}]
 */
export function parseAcceptEncoding(header: string): AcceptedCoding[] {
  const out: AcceptedCoding[] = [];
  for (const part of header.split(',')) {
    const params = part.split(';');
    const name = params[0]!.trim().toLowerCase();
    if (name === '') continue;
    let q = 1;
    let valid = true;
    for (let i = 1; i < params.length; i++) {
      const p = params[i]!.trim();
      const eq = p.indexOf('=');
      if (eq === -1 || p.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const v = p.slice(eq + 1).trim();
      if (!QVALUE.test(v)) valid = false;
      else q = Number(v);
    }
    if (valid) out.push({ name, q });
  }
  return out;
}

/**
 * Picks the content coding to send: one of `available` (in the server's order of preference), or
 * `'identity'`, or `null` when the client refuses identity and every available coding.
 *
 * @example negotiateEncoding('gzip, br;q=0.9', ['br', 'gzip']) // 'gzip'
 */
export function negotiateEncoding(header: string | undefined, available: readonly string[]): string | null {
  if (header === undefined) return 'identity';
  const accepted = parseAcceptEncoding(header);
  let star = -1;
  let identity = -1;
  let lowest = 1;
  for (const a of accepted) {
    if (a.name === '*') star = a.q;
    else if (a.name === 'identity') identity = a.q;
    if (a.q > 0 && a.q < lowest) lowest = a.q;
  }
  let best: string | null = null;
  let bestQ = 0;
  for (const coding of available) {
    const q = qualityOf(accepted, coding, star);
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  // identity: its own q if named, else `*`'s if present, else acceptable below everything named.
  const identityQ = identity >= 0 ? identity : star >= 0 ? star : lowest / 2;
  if (best === null) return identityQ > 0 ? 'identity' : null;
  return identity > bestQ ? 'identity' : best;
}

function qualityOf(accepted: readonly AcceptedCoding[], coding: string, star: number): number {
  for (const a of accepted) if (a.name === coding) return a.q;
  // Legacy alias: `x-gzip` is gzip (RFC 9110 §8.4.1.3).
  if (coding === 'gzip') for (const a of accepted) if (a.name === 'x-gzip') return a.q;
  return star >= 0 ? star : 0;
}
